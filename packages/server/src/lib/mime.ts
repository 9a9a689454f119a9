import { lookup } from 'mime-types';
import { cameraRawTypes } from '@idrive/shared/file-kind';

/** The type of bytes nothing is known about. */
export const OCTET_STREAM = 'application/octet-stream';

/**
 * A media type as HTTP writes it: `type/subtype` of RFC 9110 token characters, with at most a
 * charset parameter. Anything else (a control character, a second header smuggled in, a parameter
 * that would change how a browser reads the bytes) is not a type this drive will send.
 */
const MEDIA_TYPE =
  /^([a-z0-9!#$&^_.+-]{1,64})\/([a-z0-9!#$&^_.+-]{1,127})(?:;\s*charset=([a-z0-9_.:-]{1,40}))?$/;

/** Types that say nothing about the bytes: the name decides instead. */
const GENERIC = new Set([OCTET_STREAM, 'binary/octet-stream', 'application/x-www-form-urlencoded']);

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
  const byName = byExtension(name);
  if (byName && !GENERIC.has(byName)) return byName;
  const given = wellFormed(declared);
  return given && !GENERIC.has(given) ? given : OCTET_STREAM;
}

/** mime-types knows few camera RAW extensions; theirs come first, under the names sniffing gives. */
function byExtension(name: string): string | false {
  const dot = name.lastIndexOf('.');
  const raw = dot === -1 ? undefined : cameraRawTypes[name.slice(dot + 1).toLowerCase()];
  return raw ?? lookup(name);
}

/**
 * The Content-Type to send for a stored type: rows written before types were checked may hold
 * anything, and a header Node refuses would fail the response after it had begun.
 */
export function contentTypeHeader(stored: string | null | undefined): string {
  return wellFormed(stored) ?? OCTET_STREAM;
}

/** How many leading bytes content sniffing looks at: what the magic numbers of known formats need. */
export const SNIFF_BYTES = 4100;

/** Types a browser may render as a document or run: never taken from content, whatever it looks like. */
const ACTIVE = /^text\/|html|xml|javascript|ecmascript/;

/**
 * The stored type once the first bytes are known: when neither the name nor the client said anything
 * specific, the format's magic bytes decide (a photo saved without an extension still gets previews).
 * Only binary formats are recognised, and none a browser would run.
 */
export async function refineByContent(resolved: string, head: Uint8Array): Promise<string> {
  if (resolved !== OCTET_STREAM || head.length === 0) return resolved;
  // Loaded on first use: its format tables cost memory a drive of named files never needs.
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(head);
  const type = found ? wellFormed(found.mime) : null;
  return type && !ACTIVE.test(type) ? type : resolved;
}
