import { lookup } from 'mime-types';

const FALLBACK = 'application/octet-stream';

/**
 * A media type as HTTP writes it: `type/subtype` of RFC 9110 token characters, with at most a
 * charset parameter. Anything else (a control character, a second header smuggled in, a parameter
 * that would change how a browser reads the bytes) is not a type this drive will send.
 */
const MEDIA_TYPE =
  /^([a-z0-9!#$&^_.+-]{1,64})\/([a-z0-9!#$&^_.+-]{1,127})(?:;\s*charset=([a-z0-9_.:-]{1,40}))?$/;

/** Types that say nothing about the bytes: the name decides instead. */
const GENERIC = new Set([FALLBACK, 'binary/octet-stream', 'application/x-www-form-urlencoded']);

/** The declared type in its one accepted spelling, or null when it is not a well-formed type. */
function wellFormed(declared: string | null | undefined): string | null {
  const match = MEDIA_TYPE.exec((declared ?? '').trim().toLowerCase());
  if (!match) return null;
  const [, type, subtype, charset] = match;
  return charset ? `${type}/${subtype}; charset=${charset}` : `${type}/${subtype}`;
}

/**
 * The type a file is stored with, worked out by the server: the name's extension when it names a
 * specific type, so a client cannot label `x.mp4` as a web page; otherwise what the uploader declared, if it is
 * a well-formed, specific type; otherwise octet-stream.
 */
export function resolveMimeType(name: string, declared: string | undefined | null): string {
  const byName = lookup(name);
  if (byName && !GENERIC.has(byName)) return byName;
  const given = wellFormed(declared);
  return given && !GENERIC.has(given) ? given : FALLBACK;
}

/**
 * The Content-Type to send for a stored type: rows written before types were checked may hold
 * anything, and a header Node refuses would fail the response after it had begun.
 */
export function contentTypeHeader(stored: string | null | undefined): string {
  return wellFormed(stored) ?? FALLBACK;
}
