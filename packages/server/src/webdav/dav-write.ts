import { checkName } from '@idrive/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ItemRow } from '../db/schema.js';
import { requirePermission } from '../http/auth.js';
import { declaredLength } from '../http/raw-body.js';
import { matchesEtag } from '../http/content.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../lib/app-error.js';
import { resolveMimeType } from '../lib/mime.js';
import { hasBody, type DavCall } from './dav-call.js';
import { parseDestination } from './dav-path.js';
import { etagOf } from './dav-props.js';
import {
  checkWrite,
  gate,
  refuseShared,
  resolve,
  versionOf,
  type DavDeps,
  type Resource,
} from './dav-resources.js';
import { inShared, SHARED_COLLECTION } from './dav-shared.js';

const precondition = (message: string) => new AppError(412, 'precondition_failed', message);
const notAllowed = (message: string) => new AppError(405, 'method_not_allowed', message);

/**
 * The name a new item at this URL gets: 409 without a parent folder, 400 for a name the drive
 * refuses; 403 right in Shared with me, where only what others share appears.
 */
function newName(res: Resource): string {
  if (res.shared || (inShared(res.segments) && res.segments.length === 2)) {
    throw forbidden(
      `Nothing can be put in "${SHARED_COLLECTION}" itself; it lists what others share with you`,
    );
  }
  if (!res.parent) throw conflict('The parent collection does not exist');
  const check = checkName(res.segments[res.segments.length - 1]!);
  if (!check.ok) throw badRequest(check.reason);
  return check.name;
}

/** `X-OC-Mtime: <unix seconds>` (rclone, ownCloud clients): applied, and acknowledged with `accepted`. */
async function applyMtime(call: DavCall, deps: DavDeps, item: ItemRow): Promise<ItemRow> {
  const header = call.request.headers['x-oc-mtime'];
  if (typeof header !== 'string' || !/^\d+(\.\d+)?$/.test(header)) return item;
  call.reply.header('x-oc-mtime', 'accepted');
  return deps.items.setModified(call.user, item.id, Math.round(Number(header) * 1000));
}

/** `OC-Checksum: SHA1:<hex>` (or MD5), checked against what arrives. */
function ocChecksum(request: FastifyRequest): { sha1?: string; md5?: string } {
  const header = request.headers['oc-checksum'];
  const wanted: { sha1?: string; md5?: string } = {};
  for (const part of typeof header === 'string' ? header.split(/\s+/) : []) {
    const [type, value] = part.split(':');
    if (type?.toUpperCase() === 'SHA1' && value) wanted.sha1 = value;
    if (type?.toUpperCase() === 'MD5' && value) wanted.md5 = value;
  }
  return wanted;
}

/** The declared size of a body: Content-Length, or for a chunked one X-Expected-Entity-Length (Finder). */
function expectedSize(request: FastifyRequest): number | undefined {
  const expected = request.headers['x-expected-entity-length'];
  const declared = declaredLength(request);
  if (declared !== undefined) return declared;
  return typeof expected === 'string' && /^\d+$/.test(expected) ? Number(expected) : undefined;
}

/** PUT: streams the body into a new file, or new bytes for the file there (it keeps its id). */
export async function put(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  if (call.path.segments.length === 0) throw notAllowed('The root is a collection');
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'contents');
  if (res.shared || res.item?.type === 'folder') throw notAllowed('PUT cannot replace a collection');
  const name = res.item ? res.item.name : newName(res);
  if (res.item) requirePermission(user, 'delete');
  await checkWrite(deps, request, user, [{ res, below: false }]);
  const current = res.item ? await versionOf(deps, res.item) : undefined;
  const ifMatch = request.headers['if-match'];
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifMatch && (!res.item || !matchesEtag(ifMatch, etagOf(res.item, current))))
    throw precondition('If-Match failed');
  if (ifNoneMatch && res.item && matchesEtag(ifNoneMatch, etagOf(res.item, current))) {
    throw precondition('If-None-Match failed');
  }
  const checks = { declaredSize: expectedSize(request), checksums: true, ...ocChecksum(request) };
  // A file shared with the user on its own is in its owner's folder: it takes new content in place.
  const file =
    res.item && !res.parent
      ? await deps.files.replaceContent(user, res.item.id, request.raw, checks)
      : await deps.files.upload(
          user,
          {
            parentId: res.parent!.id,
            name,
            conflict: 'replace',
            mimeType: resolveMimeType(name, request.headers['content-type']),
          },
          request.raw,
          checks,
        );
  const updated = await applyMtime(call, deps, file);
  const version = await versionOf(deps, updated);
  return reply
    .code(res.item ? 204 : 201)
    .header('etag', etagOf(updated, version))
    .send();
}

/** MKCOL: a new folder (415 with a body, 405 where something is, 409 without a parent). */
export async function mkcol(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  if (hasBody(request)) throw new AppError(415, 'unsupported_media_type', 'MKCOL takes no body');
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'contents');
  if (res.item) throw notAllowed('Something already exists at this URL');
  const name = newName(res);
  await checkWrite(deps, request, user, [{ res, below: false }]);
  await deps.items.createFolder(user, res.parent!.id, name);
  return reply.code(201).send();
}

/** DELETE: to the trash, as the REST API's delete does; the locks on it go. */
export async function remove(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'item');
  refuseShared(res);
  if (!res.item) throw notFound('Resource');
  if (res.item.parent_id === null) throw forbidden('The root cannot be deleted');
  await checkWrite(deps, request, user, [{ res, below: true }]);
  await trashAt(deps, call, res);
  return reply.code(204).send();
}

async function trashAt(deps: DavDeps, call: DavCall, res: Resource): Promise<void> {
  await deps.items.trash(call.user, [res.item!.id]);
  await deps.davLocks.dropUnder(call.user.id, res.key);
}

/**
 * COPY and MOVE. Overwrite: F with something at the destination is 412; otherwise that is trashed
 * first (204) and the copy or move made (201 when nothing was there). A COPY of a collection with
 * Depth: 0 makes an empty collection with the same properties.
 */
export async function copyOrMove(call: DavCall, deps: DavDeps, move: boolean): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const dest = parseDestination(request.headers.destination as string | undefined, request.host);
  const src = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, src, move ? 'item' : 'contents');
  refuseShared(src);
  if (!src.item) throw notFound('Resource');
  if (src.item.parent_id === null) throw forbidden('The root cannot be copied or moved');
  const target = await resolve(deps, user, dest.segments);
  await gate(deps, auth, target, 'item');
  if (target.key === src.key) throw forbidden('The source and the destination are the same');
  const name = newName(target);
  const overwrite = String(request.headers.overwrite ?? 'T').toUpperCase() !== 'F';
  if (target.item && !overwrite) throw precondition('The destination exists and Overwrite is F');
  if (target.item) requirePermission(user, 'delete');
  const checks = [{ res: target, below: true }, ...(move ? [{ res: src, below: true }] : [])];
  await checkWrite(deps, request, user, checks);
  if (target.item) await trashAt(deps, call, target);
  const parentId = target.parent!.id;
  let result: ItemRow;
  if (move) {
    result = await deps.items.update(user, src.item.id, { name, parentId });
    await deps.davLocks.dropUnder(user.id, src.key);
  } else if (src.item.type === 'folder' && String(request.headers.depth ?? 'infinity') === '0') {
    result = await deps.items.createFolder(user, parentId, name);
    await deps.repos.dav.copyProperties(new Map([[src.item.id, result.id]]));
  } else {
    result = await deps.items.copyAs(user, src.item.id, parentId, name);
  }
  await applyMtime(call, deps, result);
  return reply.code(target.item ? 204 : 201).send();
}
