import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ItemRow } from '../db/schema.js';
import { badRequest, notFound } from '../lib/app-error.js';
import { contentBody, sendRanged } from '../http/content.js';
import type { DavCall } from './dav-call.js';
import { davError, MULTISTATUS_CLOSE, MULTISTATUS_OPEN } from './dav-xml-out.js';
import {
  etagOf,
  needsDead,
  parsePropfind,
  responseXml,
  type DavEntry,
  type PropRequest,
} from './dav-props.js';
import { gate, resolve, versionOf, type DavDeps } from './dav-resources.js';
import { coversPath, pathKey } from './dav-path.js';
import { readBody } from './dav-call.js';

/** Children per query while a folder is listed: memory stays flat however big the folder is. */
const PAGE = 500;
export const DAV_METHODS =
  'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK';

export function options(reply: FastifyReply): FastifyReply {
  return reply
    .headers({ dav: '1, 2', 'ms-author-via': 'DAV', allow: DAV_METHODS, 'content-length': '0' })
    .code(200)
    .send();
}

/**
 * PROPFIND at Depth 0 or 1 (a missing Depth is taken as 1, as sabre/dav does once infinity is off);
 * Depth: infinity is refused with propfind-finite-depth. The answer is streamed a page of children
 * at a time.
 */
export async function propfind(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const depth = String(request.headers.depth ?? '1').toLowerCase();
  if (depth === 'infinity') {
    return reply.code(403).type('application/xml; charset=utf-8').send(davError('propfind-finite-depth'));
  }
  if (depth !== '0' && depth !== '1') throw badRequest('Depth must be 0, 1 or infinity');
  const props = parsePropfind(await readBody(request));
  const res = await resolve(deps, user, call.path.segments);
  const listing = depth === '1' && res.item?.type === 'folder';
  await gate(deps, auth, res, listing ? 'contents' : 'item');
  if (!res.item) throw notFound('Resource');
  const item = res.item;
  const locks = await deps.davLocks.affecting(user.id, res.key, listing);
  const freeBytes = await deps.quota.freeBytes(user.id);
  const entries = async (rows: ItemRow[], parentSegments: string[]): Promise<DavEntry[]> => {
    const versions = new Map(
      (await deps.repos.versions.findMany(rows.flatMap((r) => (r.version_id ? [r.version_id] : [])))).map(
        (v) => [v.id, v],
      ),
    );
    const dead = needsDead(props) ? await deps.repos.dav.propertiesOf(rows.map((r) => r.id)) : [];
    return rows.map((row) => {
      const segments = row.id === item.id ? parentSegments : [...parentSegments, row.name];
      const key = pathKey(segments);
      return {
        segments,
        item: row,
        version: row.version_id ? versions.get(row.version_id) : undefined,
        dead: dead.filter((d) => d.item_id === row.id),
        locks: locks.filter((l) => l.path === key || (l.infinite === 1 && coversPath(l.path, key))),
        usedBytes: user.used_bytes,
        freeBytes,
      };
    });
  };
  const body = Readable.from(multistatus(deps, props, item, res.segments, listing, entries));
  return reply.code(207).type('application/xml; charset=utf-8').send(body);
}

async function* multistatus(
  deps: DavDeps,
  props: PropRequest,
  item: ItemRow,
  segments: string[],
  listing: boolean,
  entries: (rows: ItemRow[], parentSegments: string[]) => Promise<DavEntry[]>,
): AsyncGenerator<string> {
  const now = Date.now();
  yield MULTISTATUS_OPEN + (await entries([item], segments)).map((e) => responseXml(e, props, now)).join('');
  if (!listing) return yield MULTISTATUS_CLOSE;
  for (let after: string | null = null; ;) {
    const page = await deps.repos.items.listChildrenAfter(item.id, after, PAGE);
    if (page.length === 0) break;
    yield (await entries(page, segments)).map((e) => responseXml(e, props, now)).join('');
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.name_key;
  }
  yield MULTISTATUS_CLOSE;
}

/** GET and HEAD: a file's bytes through the one Range implementation; a collection answers empty. */
export async function getContent(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'contents');
  if (!res.item) throw notFound('Resource');
  if (res.item.type === 'folder') {
    return reply
      .code(200)
      .headers({ 'content-length': '0', 'content-type': 'text/plain; charset=utf-8' })
      .send();
  }
  const version = await versionOf(deps, res.item);
  if (!version) throw notFound('File version');
  const file = { item: res.item, ...(await deps.files.openVersion(version.id)) };
  // The ETag PROPFIND gives, so that If-Range and If headers compare like with like.
  const body = { ...contentBody(deps.files, file, 'attachment'), etag: etagOf(res.item, version) };
  return sendRanged(request, reply, body);
}
