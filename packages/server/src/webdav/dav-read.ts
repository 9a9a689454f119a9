import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ItemRow, UserRow } from '../db/schema.js';
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
import { inShared, sharedCollectionRow, sharedEntries, type SharedEntry } from './dav-shared.js';
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

/** A resource of a listing and the URL it has there. */
interface Listed {
  row: ItemRow;
  segments: string[];
}

/**
 * PROPFIND at Depth 0 or 1 (a missing Depth is taken as 1, as sabre/dav does once infinity is off);
 * Depth: infinity is refused with propfind-finite-depth. The answer is streamed a page of children
 * at a time. The root lists Shared with me after its own children.
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
  const item = res.shared ? sharedCollectionRow(user, res.shared) : res.item;
  const listing = depth === '1' && item?.type === 'folder';
  await gate(deps, auth, res, listing ? 'contents' : 'item');
  if (!item) throw notFound('Resource');
  const locks = await deps.davLocks.affecting(user.id, res.key, listing);
  // What the resource's owner has left: an upload into it is charged to them.
  const freeBytes = await deps.quota.freeBytes(item.owner_id);
  const entries = async (listed: Listed[]): Promise<DavEntry[]> => {
    const rows = listed.map((l) => l.row);
    const versions = new Map(
      (await deps.repos.versions.findMany(rows.flatMap((r) => (r.version_id ? [r.version_id] : [])))).map(
        (v) => [v.id, v],
      ),
    );
    const dead = needsDead(props) ? await deps.repos.dav.propertiesOf(rows.map((r) => r.id)) : [];
    return listed.map(({ row, segments }) => {
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
  const pages = !listing
    ? none()
    : res.shared
      ? sharedPage(res.shared, res.segments)
      : childPages(deps, item, res.segments, res.segments.length === 0 ? user : undefined);
  const body = Readable.from(multistatus(props, { row: item, segments: res.segments }, pages, entries));
  return reply.code(207).type('application/xml; charset=utf-8').send(body);
}

async function* none(): AsyncGenerator<Listed[]> {}

/** What is shared with the user, under the collection's URL. */
async function* sharedPage(shared: SharedEntry[], segments: string[]): AsyncGenerator<Listed[]> {
  yield shared.map((entry) => ({ row: entry.item, segments: [...segments, entry.name] }));
}

/**
 * A folder's children a page at a time; for the user's root (`rootOf`), Shared with me comes last,
 * in place of a folder of theirs of that name, once anything is shared with them (a sync of a drive
 * nobody shares with sees just the drive).
 */
async function* childPages(
  deps: DavDeps,
  folder: ItemRow,
  segments: string[],
  rootOf: UserRow | undefined,
): AsyncGenerator<Listed[]> {
  const shared = rootOf ? await sharedEntries(deps.repos, rootOf) : [];
  for (let after: string | null = null; ;) {
    const page = await deps.repos.items.listChildrenAfter(folder.id, after, PAGE);
    if (page.length === 0) break;
    yield page
      .filter((row) => !(shared.length > 0 && inShared([row.name])))
      .map((row) => ({ row, segments: [...segments, row.name] }));
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.name_key;
  }
  if (rootOf && shared.length > 0) {
    const row = sharedCollectionRow(rootOf, shared);
    yield [{ row, segments: [...segments, row.name] }];
  }
}

async function* multistatus(
  props: PropRequest,
  self: Listed,
  pages: AsyncGenerator<Listed[]>,
  entries: (listed: Listed[]) => Promise<DavEntry[]>,
): AsyncGenerator<string> {
  const now = Date.now();
  yield MULTISTATUS_OPEN + (await entries([self])).map((e) => responseXml(e, props, now)).join('');
  for await (const page of pages) {
    yield (await entries(page)).map((e) => responseXml(e, props, now)).join('');
  }
  yield MULTISTATUS_CLOSE;
}

/** GET and HEAD: a file's bytes through the one Range implementation; a collection answers empty. */
export async function getContent(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'contents');
  if (!res.item && !res.shared) throw notFound('Resource');
  if (!res.item || res.item.type === 'folder') {
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
