import { createHash } from 'node:crypto';
import type { DavLockRow, DavPropertyRow, FileVersionRow, ItemRow } from '../db/schema.js';
import { badRequest } from '../lib/app-error.js';
import { versionEtag } from '../http/content.js';
import { davHref } from './dav-path.js';
import { DAV_NS, lockDiscovery, OC_NS, propElement, statusLine, SUPPORTED_LOCK } from './dav-xml-out.js';
import { elements, escapeXml, is, parseXml, XmlError, type XmlElement } from './xml.js';

export interface PropName {
  ns: string;
  name: string;
}

/** What a PROPFIND asks for: everything, only the names, or the properties it names. */
export type PropRequest =
  { kind: 'allprop'; include: PropName[] } | { kind: 'propname' } | { kind: 'prop'; names: PropName[] };

/** One resource of a multistatus answer, with what its properties are made from. */
export interface DavEntry {
  segments: string[];
  item: ItemRow;
  version: FileVersionRow | undefined;
  dead: DavPropertyRow[];
  locks: DavLockRow[];
  /** The user's used bytes, for the root's quota. */
  usedBytes: number;
  /** What the user may still store (RFC 4331's quota-available-bytes); null: no quota, none reported. */
  freeBytes: number | null;
}

/** Parses an XML body, 400 when it is not well-formed. */
export function parseBody(body: string): XmlElement {
  try {
    return parseXml(body);
  } catch (err) {
    if (err instanceof XmlError) throw badRequest(`The XML body is not well-formed: ${err.message}`);
    throw err;
  }
}

/** A PROPFIND body; an empty one means allprop (RFC 4918 §9.1). */
export function parsePropfind(body: string): PropRequest {
  if (body.trim() === '') return { kind: 'allprop', include: [] };
  const root = parseBody(body);
  if (!is(root, DAV_NS, 'propfind')) throw badRequest('A PROPFIND body must be a DAV:propfind element');
  const children = elements(root);
  const prop = children.find((c) => is(c, DAV_NS, 'prop'));
  const include = children.find((c) => is(c, DAV_NS, 'include'));
  if (children.some((c) => is(c, DAV_NS, 'propname'))) return { kind: 'propname' };
  if (children.some((c) => is(c, DAV_NS, 'allprop'))) {
    return { kind: 'allprop', include: include ? elements(include).map(nameOf) : [] };
  }
  if (!prop) throw badRequest('A DAV:propfind must hold DAV:prop, DAV:allprop or DAV:propname');
  return { kind: 'prop', names: elements(prop).map(nameOf) };
}

const nameOf = (el: XmlElement): PropName => ({ ns: el.ns, name: el.name });

type Live = (e: DavEntry, now: number) => string | undefined;

const httpDate = (ms: number) => new Date(ms).toUTCString();

/** The live properties: a value (XML) or undefined where a resource has none (a folder's length). */
const LIVE: Record<string, Live> = {
  [`${DAV_NS} resourcetype`]: (e) => (e.item.type === 'folder' ? '<D:collection/>' : ''),
  [`${DAV_NS} displayname`]: (e) => escapeXml(e.item.parent_id === null ? '' : e.item.name),
  [`${DAV_NS} getcontentlength`]: (e) => (e.item.type === 'file' ? String(e.item.size) : undefined),
  [`${DAV_NS} getlastmodified`]: (e) => httpDate(e.item.updated_at),
  [`${DAV_NS} creationdate`]: (e) => new Date(e.item.created_at).toISOString(),
  [`${DAV_NS} getetag`]: (e) => escapeXml(etagOf(e.item, e.version)),
  [`${DAV_NS} getcontenttype`]: (e) =>
    e.item.type === 'file' ? escapeXml(e.item.mime_type ?? 'application/octet-stream') : undefined,
  [`${DAV_NS} lockdiscovery`]: (e, now) => lockDiscovery(e.locks, now),
  [`${DAV_NS} supportedlock`]: () => SUPPORTED_LOCK,
  [`${DAV_NS} quota-used-bytes`]: (e) => String(e.item.parent_id === null ? e.usedBytes : e.item.size),
  // Every collection of the drive may grow by what the quota has left.
  [`${DAV_NS} quota-available-bytes`]: (e) =>
    e.item.type === 'folder' && e.freeBytes !== null ? String(e.freeBytes) : undefined,
  [`${OC_NS} checksums`]: (e) =>
    e.version?.sha1 && e.version.md5
      ? `<oc:checksum>SHA1:${e.version.sha1} MD5:${e.version.md5}</oc:checksum>`
      : undefined,
};
/** Left out of allprop (RFC 4331 and extensions are only sent when named). */
const NAMED_ONLY = new Set([
  `${DAV_NS} quota-used-bytes`,
  `${DAV_NS} quota-available-bytes`,
  `${OC_NS} checksums`,
]);
/** Properties a client may not set (PROPPATCH answers 403 for them). */
export const PROTECTED = new Set(Object.keys(LIVE));

export function isLive(p: PropName): boolean {
  return `${p.ns} ${p.name}` in LIVE;
}

/**
 * A strong ETag of 32 hex digits: a file's is from its content's SHA-256 (the REST API's ETag, cut
 * short), a folder's changes with it. Short, because clients build If headers in small fixed buffers
 * (litmus's is 200 bytes, which a lock token and two 64-digit tags overflow); sabre/dav's are as long.
 */
export function etagOf(item: ItemRow, version: FileVersionRow | undefined): string {
  const basis = version ? versionEtag(version) : `${item.id}-${item.updated_at}`;
  return `"${createHash('sha256').update(basis).digest('hex').slice(0, 32)}"`;
}

/** Whether answering needs the entries' dead properties at all. */
export function needsDead(request: PropRequest): boolean {
  return request.kind !== 'prop' || request.names.some((n) => !isLive(n));
}

/** One D:response: the properties found with 200, those missing with 404. */
export function responseXml(entry: DavEntry, request: PropRequest, now: number): string {
  const found: string[] = [];
  const missing: string[] = [];
  const collection = entry.item.type === 'folder';
  const live = (key: string) => LIVE[key]!(entry, now);
  if (request.kind === 'propname') {
    for (const key of Object.keys(LIVE)) {
      if (live(key) !== undefined) found.push(propElement(...splitKey(key)));
    }
    for (const d of entry.dead) found.push(propElement(d.namespace, d.name));
  } else {
    const names =
      request.kind === 'prop'
        ? request.names
        : [
            ...Object.keys(LIVE)
              .filter((k) => !NAMED_ONLY.has(k))
              .map((k) => ({ ns: splitKey(k)[0], name: splitKey(k)[1] })),
            ...entry.dead.map((d) => ({ ns: d.namespace, name: d.name })),
            ...request.include.filter((p) => NAMED_ONLY.has(`${p.ns} ${p.name}`)),
          ];
    for (const { ns, name } of names) {
      const key = `${ns} ${name}`;
      const value =
        key in LIVE ? live(key) : entry.dead.find((d) => d.namespace === ns && d.name === name)?.value;
      if (value === undefined) {
        if (request.kind === 'prop') missing.push(propElement(ns, name));
      } else found.push(propElement(ns, name, value));
    }
  }
  const propstat = (props: string[], status: number) =>
    props.length
      ? `<D:propstat><D:prop>${props.join('')}</D:prop><D:status>${statusLine(status)}</D:status></D:propstat>`
      : '';
  const href = escapeXml(davHref(entry.segments, collection));
  return `<D:response><D:href>${href}</D:href>${propstat(found, 200)}${propstat(missing, 404)}</D:response>\n`;
}

function splitKey(key: string): [string, string] {
  const space = key.lastIndexOf(' ');
  return [key.slice(0, space), key.slice(space + 1)];
}
