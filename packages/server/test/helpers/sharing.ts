import type { LightMyRequestResponse } from 'fastify';
import type { AccessList, Item, ShareRole } from '@idrive/shared';
import type { RouteInfo } from '../../src/app.js';
import { driveClient, multipart, type DriveClient } from './drive-client.js';
import type { TestApp } from './test-app.js';

export type SharingUser = DriveClient & { userId: string; root: string; username: string };

/**
 * An owner's drive with one folder shared to an editor and to a viewer, and one kept private:
 *
 *     shared/            (editor: edits, viewer: views)
 *       doc.txt          "doc"
 *       sub/inner.txt    "inner"
 *     private/secret.txt "secret"
 */
export interface SharingFixture {
  owner: SharingUser;
  editor: SharingUser;
  viewer: SharingUser;
  stranger: SharingUser;
  shared: Item;
  doc: Item;
  sub: Item;
  inner: Item;
  private: Item;
  secret: Item;
}

export async function sharingUser(t: TestApp): Promise<SharingUser> {
  const { user, token } = await t.createUser(['upload', 'delete', 'share']);
  return Object.assign(driveClient(t, token), {
    userId: user.id,
    root: user.rootFolderId,
    username: user.username,
  });
}

/** Shares an item with a user (as its owner), failing loudly when refused. */
export async function share(owner: DriveClient, itemId: string, userId: string, role: ShareRole) {
  const res = await owner.request('PUT', `/items/${itemId}/access`, { userId, role });
  if (res.statusCode !== 200) throw new Error(`sharing ${itemId}: ${res.statusCode} ${res.body}`);
  return res.json<AccessList>();
}

export async function setUpSharing(t: TestApp): Promise<SharingFixture> {
  const [owner, editor, viewer, stranger] = [
    await sharingUser(t),
    await sharingUser(t),
    await sharingUser(t),
    await sharingUser(t),
  ];
  const shared = await owner.mkdir(owner.root, 'shared');
  const doc = await owner.upload(shared.id, 'doc.txt', 'doc');
  const sub = await owner.mkdir(shared.id, 'sub');
  const inner = await owner.upload(sub.id, 'inner.txt', 'inner');
  const privateFolder = await owner.mkdir(owner.root, 'private');
  const secret = await owner.upload(privateFolder.id, 'secret.txt', 'secret');
  await share(owner, shared.id, editor.userId, 'editor');
  await share(owner, shared.id, viewer.userId, 'viewer');
  return { owner, editor, viewer, stranger, shared, doc, sub, inner, private: privateFolder, secret };
}

/**
 * Everything of the owner's a grantee could change: every item below the root (live or trashed,
 * with its name, place, size, content version and times), its links, who it is shared with, its
 * locks, its files' histories and the bytes it uses. Two equal snapshots mean nothing changed.
 */
export async function ownerSnapshot(t: TestApp, owner: SharingUser): Promise<string> {
  const repos = t.drive.repos;
  const rows = await repos.items.subtree(owner.root);
  const items = rows.map(({ search_name: _s, ...row }) => row).sort((a, b) => (a.id < b.id ? -1 : 1));
  const perItem = await Promise.all(
    items.map(async (row) => ({
      id: row.id,
      access: await repos.userShares.listForItem(row.id),
      lock: (await repos.locks.find(row.id)) ?? null,
      history: row.version_id ? await repos.history.list(row.id, row.version_id) : [],
      dav: await repos.dav.propertiesOf([row.id]),
    })),
  );
  const user = await repos.users.findById(owner.userId);
  const links = await repos.shares.listOwned(owner.userId);
  return JSON.stringify({ items, perItem, links, usedBytes: user?.used_bytes });
}

/**
 * The unsafe routes that act on items, so change what their owner has: every such route takes an
 * item id and so has a lock rule. A user's own marks on an item (stars, tags) and the unlock grants
 * of their session are left out, and so are a resumable upload's own routes (its id is an upload's).
 */
export function itemWriteRoutes(routes: RouteInfo[]): RouteInfo[] {
  const own = ['/api/v1/items/star', '/api/v1/items/unstar', '/api/v1/items/tags'];
  return routes.filter(
    (r) =>
      r.url.startsWith('/api/v1/') &&
      !['GET', 'HEAD', 'OPTIONS'].includes(r.method) &&
      r.locks !== undefined &&
      !('upload' in r.locks) &&
      !own.includes(r.url) &&
      !/\/(unlock|relock)$/.test(r.url),
  );
}

/** What a write is aimed at: a folder and a file in it (for ids in the path and the body), and a user. */
export interface WriteTargets {
  folderId: string;
  fileId: string;
  /** The folder the file is in (where copies and new folders are asked to go). */
  parentId: string;
  userId: string;
}

/** A body every JSON write route's schema takes, so that each request reaches its access check. */
function writeBody(targets: WriteTargets) {
  return {
    name: 'renamed.txt',
    password: 'folder-secret-1',
    newPassword: 'folder-secret-2',
    role: 'editor',
    userId: targets.userId,
    ids: [targets.fileId],
    parentId: targets.parentId,
    itemId: targets.fileId,
  };
}

/** One of `itemWriteRoutes` called with `token` on the targets: raw bodies, multipart and JSON as each route takes. */
export async function callWrite(
  t: TestApp,
  token: string,
  route: RouteInfo,
  targets: WriteTargets,
): Promise<LightMyRequestResponse> {
  const id = route.url.startsWith('/api/v1/folders/') ? targets.folderId : targets.fileId;
  const url = route.url
    .replace(':id', id)
    .replace(':versionId', '00000000-0000-4000-8000-000000000000')
    .replace(':name', 'new.txt');
  const headers = { authorization: `Bearer ${token}` };
  const send = (payload: string | Buffer, type: string) =>
    t.drive.app.inject({
      method: route.method as 'POST',
      url,
      headers: { ...headers, 'content-type': type },
      payload,
    });
  if (route.url.endsWith('/batch')) {
    const { body, contentType } = await multipart([{ path: 'x.txt', data: 'x' }]);
    return send(body, contentType);
  }
  if (route.url.endsWith('/files/:name') || route.url.endsWith('/content')) return send('x', 'text/plain');
  return send(JSON.stringify(writeBody(targets)), 'application/json');
}
