import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AccessList,
  DriveEvent,
  Item,
  ItemDetails,
  Listing,
  SharedWithMeListing,
  TrashListing,
  UserLookup,
} from '@idrive/shared';
import type { DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket, type EventSocket } from '../../test/helpers/event-socket.js';
import {
  callWrite,
  itemWriteRoutes,
  ownerSnapshot,
  setUpSharing,
  share,
  sharingUser,
  type SharingFixture,
  type SharingUser,
} from '../../test/helpers/sharing.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const LOCK_PASSWORD = 'folder-secret-1';

type Of<T extends DriveEvent['type']> = Extract<DriveEvent, { type: T }>;
const is =
  <T extends DriveEvent['type']>(type: T, match: (event: Of<T>) => boolean = () => true) =>
  (event: DriveEvent): event is Of<T> =>
    event.type === type && match(event as Of<T>);

describeEachDb('sharing items between users', (dialect) => {
  let t: TestApp;
  let f: SharingFixture;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(t.drive.app.server.address() as AddressInfo).port}/api/v1/events`;
    f = await setUpSharing(t);
  });
  afterAll(() => t.close());

  const access = (u: DriveClient, id: string) => u.request('GET', `/items/${id}/access`);
  const sharedWithMe = async (u: DriveClient) => {
    const res = await u.request('GET', '/shared-with-me');
    expect(res.statusCode, res.body).toBe(200);
    return res.json<SharedWithMeListing>();
  };
  const status = async (u: DriveClient, method: Method, path: string, body?: unknown) =>
    (await u.request(method, path, body)).statusCode;

  describe('who has access', () => {
    it('is the owner’s to see and change: a grantee is refused, anyone else finds nothing', async () => {
      const list = (await access(f.owner, f.shared.id)).json<AccessList>();
      expect(list.owner).toEqual({ id: f.owner.userId, username: f.owner.username });
      expect(list.entries.map((e) => [e.user.username, e.role, e.grantedBy?.id])).toEqual([
        [f.editor.username, 'editor', f.owner.userId],
        [f.viewer.username, 'viewer', f.owner.userId],
      ]);
      expect((await access(f.editor, f.shared.id)).statusCode).toBe(403);
      expect((await access(f.stranger, f.shared.id)).statusCode).toBe(404);
      const grant = { userId: f.stranger.userId, role: 'editor' };
      expect((await f.editor.request('PUT', `/items/${f.shared.id}/access`, grant)).statusCode).toBe(403);
      expect((await f.stranger.request('PUT', `/items/${f.shared.id}/access`, grant)).statusCode).toBe(404);
      const revoke = { userId: f.viewer.userId };
      expect((await f.editor.request('DELETE', `/items/${f.shared.id}/access`, revoke)).statusCode).toBe(403);
      expect((await access(f.owner, f.shared.id)).json<AccessList>().entries).toHaveLength(2);
    });

    it('refuses bad grants with a clear code and changes nothing', async () => {
      const put = (body: unknown, id = f.private.id) => f.owner.request('PUT', `/items/${id}/access`, body);
      const disabled = await sharingUser(t);
      await t.drive.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${disabled.userId}`,
        headers: bearer(t.adminToken),
        payload: { disabled: true },
      });
      const cases: [unknown, string, number, string][] = [
        [{ userId: f.owner.userId, role: 'viewer' }, f.private.id, 400, 'bad_request'],
        [{ userId: disabled.userId, role: 'viewer' }, f.private.id, 404, 'not_found'],
        [{ userId: '00000000-0000-4000-8000-000000000000', role: 'viewer' }, f.private.id, 404, 'not_found'],
        [{ userId: f.viewer.userId, role: 'owner' }, f.private.id, 400, 'validation_failed'],
        [{ userId: f.viewer.userId, role: 'viewer' }, f.owner.root, 400, 'bad_request'],
      ];
      for (const [body, id, code, error] of cases) {
        const res = await put(body, id);
        expect([res.statusCode, errorCode(res)], JSON.stringify(body)).toEqual([code, error]);
      }
      expect((await access(f.owner, f.private.id)).json<AccessList>().entries).toEqual([]);
      const trashed = await f.owner.mkdir(f.owner.root, 'going');
      await f.owner.trash(trashed.id);
      expect((await put({ userId: f.viewer.userId, role: 'viewer' }, trashed.id)).statusCode).toBe(409);
      const gone = await f.owner.request('DELETE', `/items/${f.private.id}/access`, {
        userId: f.viewer.userId,
      });
      expect([gone.statusCode, errorCode(gone)]).toEqual([404, 'not_found']);
    });

    it('finds whom to share with by part of the name: active users only, id and name alone', async () => {
      const part = f.viewer.username.slice(0, 6);
      const res = await f.owner.request('GET', `/users/lookup?q=${encodeURIComponent(part)}`);
      const users = res.json<UserLookup>().users;
      expect(users).toContainEqual({ id: f.viewer.userId, username: f.viewer.username });
      expect(users.every((u) => Object.keys(u).sort().join() === 'id,username')).toBe(true);
      expect(users.map((u) => u.id)).not.toContain(f.owner.userId);
      const blank = await f.owner.request('GET', '/users/lookup?q=%20');
      expect([blank.statusCode, errorCode(blank)]).toEqual([400, 'validation_failed']);
      expect((await f.owner.request('GET', '/users/lookup?q=%25')).json<UserLookup>().users).toEqual([]);
    });
  });

  describe('a viewer', () => {
    it('sees the shared folder in Shared with me, from the share down, marked with its owner', async () => {
      const listed = await sharedWithMe(f.viewer);
      expect(listed.total).toBe(1);
      expect(listed.items[0]).toMatchObject({
        id: f.shared.id,
        parentPath: [],
        shared: { owner: { id: f.owner.userId, username: f.owner.username }, role: 'viewer' },
      });
      const listing = (await f.viewer.request('GET', `/folders/${f.sub.id}/children`)).json<Listing>();
      expect(listing.folder.path.map((p) => p.name)).toEqual(['shared', 'sub']);
      expect(listing.items.map((i) => [i.name, i.shared?.role])).toEqual([['inner.txt', 'viewer']]);
      const details = (await f.viewer.request('GET', `/items/${f.inner.id}`)).json<ItemDetails>();
      expect(details.path.map((p) => p.id)).toEqual([f.shared.id, f.sub.id, f.inner.id]);
      expect(JSON.stringify(details)).not.toContain(f.owner.root);
      // What the owner keeps to themselves stays out of reach.
      for (const id of [f.private.id, f.secret.id, f.owner.root]) {
        expect(await status(f.viewer, 'GET', `/items/${id}`)).toBe(404);
      }
    });

    it('reads, previews and downloads, a zip too', async () => {
      expect((await f.viewer.content(f.doc.id)).toString()).toBe('doc');
      expect(await status(f.viewer, 'GET', `/files/${f.doc.id}/info`)).toBe(200);
      expect(await status(f.viewer, 'GET', `/files/${f.doc.id}/versions`)).toBe(200);
      const zip = await f.viewer.request('GET', `/folders/${f.shared.id}/zip`);
      expect([zip.statusCode, zip.headers['content-disposition']]).toEqual([
        200,
        expect.stringContaining('shared.zip'),
      ]);
      const picked = await f.viewer.request('GET', `/zip?ids=${f.doc.id},${f.sub.id}`);
      expect(picked.statusCode).toBe(200);
      expect(picked.headers['content-disposition']).toContain('shared.zip');
    });

    it('cannot write anything anywhere: every write route refuses, and nothing of the owner’s changes', async () => {
      const before = await ownerSnapshot(t, f.owner);
      const failures: string[] = [];
      const routes = itemWriteRoutes(t.drive.routes);
      expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
        expect.arrayContaining([
          'PATCH /api/v1/items/:id',
          'POST /api/v1/items/trash',
          'PUT /api/v1/folders/:id/files/:name',
          'POST /api/v1/folders/:id/batch',
          'PUT /api/v1/files/:id/content',
          'POST /api/v1/files/:id/versions/:versionId/restore',
          'PUT /api/v1/items/:id/access',
          'POST /api/v1/shares',
        ]),
      );
      for (const route of routes) {
        const res = await callWrite(t, f.viewer.token, route, {
          folderId: f.sub.id,
          fileId: f.doc.id,
          parentId: f.shared.id,
          userId: f.stranger.userId,
        });
        if (![403, 404].includes(res.statusCode))
          failures.push(`${route.method} ${route.url} → ${res.statusCode} ${res.body}`);
      }
      const tus = await f.viewer.request('POST', '/uploads', undefined, {
        'tus-resumable': '1.0.0',
        'upload-length': '3',
        'upload-metadata': `filename ${b64('x.txt')},parentId ${b64(f.shared.id)}`,
      });
      if (tus.statusCode !== 403) failures.push(`POST /uploads → ${tus.statusCode}`);
      expect(failures).toEqual([]);
      expect(await ownerSnapshot(t, f.owner)).toBe(before);
      // Copying out into a place of their own is reading: the copy is theirs.
      const copy = await f.viewer.request('POST', '/items/copy', {
        ids: [f.doc.id],
        parentId: f.viewer.root,
      });
      expect(copy.statusCode).toBe(201);
      const mine = copy.json<{ items: Item[] }>().items[0]!;
      expect((await f.viewer.item(mine.id)).shared).toBeUndefined();
      expect(await f.viewer.usedBytes()).toBe(3);
    });
  });

  describe('an editor', () => {
    it('uploads, makes folders, renames, moves and trashes inside the shared folder, as the owner’s', async () => {
      const ownerBytes = await f.owner.usedBytes();
      const work = await f.editor.mkdir(f.shared.id, 'work');
      const file = await f.editor.upload(work.id, 'draft.txt', 'draft!');
      const [batched] = await f.editor.batch(work.id, [{ path: 'deep/batch.txt', data: 'batch' }]);
      expect(batched?.item).toBeDefined();
      expect(await f.owner.usedBytes()).toBe(ownerBytes + 6 + 5);
      expect(await f.editor.usedBytes()).toBe(0);
      expect((await f.owner.list(work.id)).items.map((i) => i.name).sort()).toEqual(['deep', 'draft.txt']);
      const renamed = await f.editor.request('PATCH', `/items/${file.id}`, { name: 'final.txt' });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(await status(f.editor, 'PATCH', `/items/${file.id}`, { parentId: f.sub.id })).toBe(200);
      const saved = await f.editor.request('PUT', `/files/${file.id}/content`, Buffer.from('final'));
      expect(saved.statusCode, saved.body).toBe(200);
      const versions = await f.owner.request('GET', `/files/${file.id}/versions`);
      const authors = versions.json<{ versions: { author: { id: string } | null }[] }>().versions;
      expect(authors.map((v) => v.author?.id)).toEqual([f.editor.userId, f.editor.userId]);
      await f.editor.trash(work.id);
      expect((await f.owner.trashList()).items.map((i) => i.id)).toContain(work.id);
      expect((await f.editor.trashList()).items).toEqual([]);
      // The owner's trash is the owner's: the editor can neither restore nor purge from it.
      expect(await status(f.editor, 'POST', '/trash/restore', { ids: [work.id] })).toBe(403);
      expect(await status(f.editor, 'POST', '/trash/delete', { ids: [work.id] })).toBe(403);
    });

    it('cannot reach outside the shared folder, nor touch the shared folder’s own entry', async () => {
      const mine = await f.editor.upload(f.editor.root, 'mine.txt', 'mine');
      const other = await sharingUser(t);
      const theirs = await other.mkdir(other.root, 'theirs');
      await share(other, theirs.id, f.editor.userId, 'editor');
      const before = await ownerSnapshot(t, f.owner);
      const refused: [string, Method, string, unknown, number][] = [
        ['move out to their own drive', 'PATCH', `/items/${f.doc.id}`, { parentId: f.editor.root }, 403],
        [
          'move into the owner’s private folder',
          'PATCH',
          `/items/${f.doc.id}`,
          { parentId: f.private.id },
          404,
        ],
        ['move out to another share', 'PATCH', `/items/${f.doc.id}`, { parentId: theirs.id }, 403],
        ['move their own file in', 'PATCH', `/items/${mine.id}`, { parentId: f.shared.id }, 403],
        [
          'copy into the owner’s private folder',
          'POST',
          '/items/copy',
          { ids: [f.doc.id], parentId: f.private.id },
          404,
        ],
        ['copy out into another share', 'POST', '/items/copy', { ids: [f.doc.id], parentId: theirs.id }, 403],
        ['rename the shared folder', 'PATCH', `/items/${f.shared.id}`, { name: 'mine now' }, 403],
        ['move the shared folder', 'PATCH', `/items/${f.shared.id}`, { parentId: f.editor.root }, 403],
        ['trash the shared folder', 'POST', '/items/trash', { ids: [f.shared.id] }, 403],
        ['add to the owner’s root', 'POST', '/folders', { parentId: f.owner.root, name: 'x' }, 404],
        ['lock a folder', 'POST', `/folders/${f.sub.id}/lock`, { password: LOCK_PASSWORD }, 403],
        ['make a link', 'POST', '/shares', { itemId: f.doc.id }, 403],
        ['share it on', 'PUT', `/items/${f.doc.id}/access`, { userId: other.userId, role: 'viewer' }, 403],
      ];
      for (const [what, method, path, body, code] of refused) {
        expect(await status(f.editor, method, path, body), what).toBe(code);
      }
      expect(await ownerSnapshot(t, f.owner)).toBe(before);
      // Copies within the share stay the owner's; a copy brought in from their own drive becomes the owner's.
      const inside = await f.editor.request('POST', '/items/copy', { ids: [f.doc.id], parentId: f.sub.id });
      const broughtIn = await f.editor.request('POST', '/items/copy', { ids: [mine.id], parentId: f.sub.id });
      for (const res of [inside, broughtIn]) {
        expect(res.statusCode, res.body).toBe(201);
        const copy = res.json<{ items: Item[] }>().items[0]!;
        expect((await f.owner.item(copy.id)).shared).toBeUndefined();
      }
    });
  });

  describe('live', () => {
    async function socketOf(u: SharingUser): Promise<EventSocket> {
      const socket = await openEventSocket(url, bearer(u.token));
      await socket.waitFor(is('ready'));
      return socket;
    }

    it('tells every user who can see an item, from the share down, and nobody else', async () => {
      const [editor, viewer, stranger] = await Promise.all([
        socketOf(f.editor),
        socketOf(f.viewer),
        socketOf(f.stranger),
      ]);
      const made = await f.owner.upload(f.sub.id, 'news.txt', 'news');
      for (const socket of [editor, viewer]) {
        const event = await socket.waitFor(is('item.created', (e) => e.item.id === made.id));
        expect(event).toMatchObject({ parentId: f.sub.id, ancestorIds: [f.shared.id, f.sub.id] });
      }
      await f.owner.upload(f.private.id, 'hidden.txt', 'hidden');
      await f.owner.upload(f.sub.id, 'marker.txt', 'marker');
      await viewer.waitFor(is('item.created', (e) => e.item.name === 'marker.txt'));
      expect(viewer.received.some((e) => 'item' in e && e.item.name === 'hidden.txt')).toBe(false);
      expect(stranger.received.filter((e) => e.type.startsWith('item.'))).toEqual([]);
      await Promise.all([editor, viewer, stranger].map((s) => s.close()));
    });

    it('ends the other user’s view and events at once when access is removed', async () => {
      const grantee = await sharingUser(t);
      const folder = await f.owner.mkdir(f.owner.root, 'for a while');
      await share(f.owner, folder.id, grantee.userId, 'viewer');
      const socket = await socketOf(grantee);
      const owners = await socketOf(f.owner);
      const first = await f.owner.upload(folder.id, 'first.txt', 'first');
      await socket.waitFor(is('item.created', (e) => e.item.id === first.id));
      const revoked = await f.owner.request('DELETE', `/items/${folder.id}/access`, {
        userId: grantee.userId,
      });
      expect(revoked.json<AccessList>().entries).toEqual([]);
      for (const s of [socket, owners]) {
        await s.waitFor(is('access.changed', (e) => e.itemId === folder.id && e.role === null));
      }
      const after = await f.owner.upload(folder.id, 'after.txt', 'after');
      await owners.waitFor(is('item.created', (e) => e.item.id === after.id));
      // The owner heard of it: the grantee, whose socket stayed open, did not and will not.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(socket.received.some((e) => 'item' in e && e.item.id === after.id)).toBe(false);
      expect(await status(grantee, 'GET', `/folders/${folder.id}/children`)).toBe(404);
      expect(await status(grantee, 'GET', `/files/${first.id}/content`)).toBe(404);
      expect((await sharedWithMe(grantee)).items).toEqual([]);
      // And granting again is heard as it happens.
      await share(f.owner, folder.id, grantee.userId, 'editor');
      await socket.waitFor(is('access.changed', (e) => e.itemId === folder.id && e.role === 'editor'));
      await Promise.all([socket.close(), owners.close()]);
    });
  });

  describe('locked folders', () => {
    it('stay locked for a grantee until they unlock them with the password, as for the owner', async () => {
      const vault = await f.owner.mkdir(f.shared.id, 'vault');
      const kept = await f.owner.upload(vault.id, 'kept.txt', 'kept');
      expect(await status(f.owner, 'POST', `/folders/${vault.id}/lock`, { password: LOCK_PASSWORD })).toBe(
        201,
      );
      const entry = (await f.viewer.list(f.shared.id)).items.find((i) => i.id === vault.id);
      expect(entry?.locked).toBe(true);
      for (const path of [
        `/folders/${vault.id}/children`,
        `/files/${kept.id}/content`,
        `/items/${kept.id}`,
      ]) {
        const res = await f.viewer.request('GET', path);
        expect([res.statusCode, errorCode(res)], path).toEqual([423, 'locked']);
      }
      const search = await f.viewer.request('GET', '/search?q=kept');
      expect(search.json<{ total: number }>().total).toBe(0);
      const wrong = await f.viewer.request('POST', `/folders/${vault.id}/unlock`, {
        password: 'not-it-at-all',
      });
      expect(wrong.statusCode).toBe(403);
      // Only the owner may change or take away the password.
      const body = { password: LOCK_PASSWORD, newPassword: 'folder-secret-2' };
      expect((await f.viewer.request('PATCH', `/folders/${vault.id}/lock`, body)).statusCode).toBe(403);
      expect(await status(f.viewer, 'POST', `/folders/${vault.id}/unlock`, { password: LOCK_PASSWORD })).toBe(
        200,
      );
      expect((await f.viewer.content(kept.id)).toString()).toBe('kept');
      // The editor's session is another one: still closed.
      expect(await status(f.editor, 'GET', `/files/${kept.id}/content`)).toBe(423);
    });

    it('above the shared item are the owner’s, and do not close the share', async () => {
      const outer = await f.owner.mkdir(f.owner.root, 'outer');
      const inside = await f.owner.mkdir(outer.id, 'inside');
      await f.owner.upload(inside.id, 'open.txt', 'open');
      await share(f.owner, inside.id, f.viewer.userId, 'viewer');
      expect(await status(f.owner, 'POST', `/folders/${outer.id}/lock`, { password: LOCK_PASSWORD })).toBe(
        201,
      );
      const listing = await f.viewer.request('GET', `/folders/${inside.id}/children`);
      expect(listing.statusCode, listing.body).toBe(200);
      expect(JSON.stringify(listing.json())).not.toContain('outer');
    });
  });

  it('keeps what an editor made when the editor’s account goes, and ends their uploads when the owner’s does', async () => {
    const [owner, editor] = [await sharingUser(t), await sharingUser(t)];
    const folder = await owner.mkdir(owner.root, 'together');
    await share(owner, folder.id, editor.userId, 'editor');
    const made = await editor.upload(folder.id, 'kept.txt', 'kept');
    const remove = (u: SharingUser) =>
      t.drive.app.inject({
        method: 'DELETE',
        url: `/api/v1/users/${u.userId}`,
        headers: bearer(t.adminToken),
      });
    expect((await remove(editor)).statusCode).toBe(200);
    expect((await owner.content(made.id)).toString()).toBe('kept');
    expect((await access(owner, folder.id)).json<AccessList>().entries).toEqual([]);

    const later = await sharingUser(t);
    await share(owner, folder.id, later.userId, 'editor');
    const tus = await later.request('POST', '/uploads', undefined, {
      'tus-resumable': '1.0.0',
      'upload-length': '5',
      'upload-metadata': `filename ${b64('later.txt')},parentId ${b64(folder.id)}`,
    });
    expect(tus.statusCode, tus.body).toBe(201);
    const removed = await remove(owner);
    expect(removed.statusCode, removed.body).toBe(200);
    const head = await later.request('HEAD' as 'GET', String(tus.headers.location), undefined, {
      'tus-resumable': '1.0.0',
    });
    expect(head.statusCode).toBe(404);
    expect((await sharedWithMe(later)).total).toBe(0);
  });

  it('takes the shared item out of Shared with me while it is in the trash, and its grants with it when purged', async () => {
    const grantee = await sharingUser(t);
    const folder = await f.owner.mkdir(f.owner.root, 'short-lived');
    await share(f.owner, folder.id, grantee.userId, 'viewer');
    await f.owner.trash(folder.id);
    expect((await sharedWithMe(grantee)).total).toBe(0);
    await f.owner.restore(folder.id);
    expect((await sharedWithMe(grantee)).total).toBe(1);
    await f.owner.trash(folder.id);
    expect(await status(f.owner, 'POST', '/trash/delete', { ids: [folder.id] })).toBe(200);
    expect(await t.drive.repos.userShares.rootIds(grantee.userId)).toEqual([]);
    expect(
      (await f.owner.request('GET', '/trash')).json<TrashListing>().items.map((i) => i.id),
    ).not.toContain(folder.id);
  });
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
