import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DriveEvent,
  FileInfo,
  FileVersionList,
  Item,
  RecentListing,
  SearchResponse,
  StarredListing,
} from '@idrive/shared';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { RECENT_KEEP } from '../services/recent.service.js';

type User = DriveClient & { userId: string; root: string };

/** The smallest zip there is: an end-of-central-directory record and nothing else. */
const EMPTY_ZIP = Buffer.from('504b0506' + '00'.repeat(18), 'hex');
const PASSWORD = 'folder-secret-1';

describeEachDb('starred and recent', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  const star = (u: DriveClient, ...ids: string[]) => u.request('POST', '/items/star', { ids });
  const unstar = (u: DriveClient, ...ids: string[]) => u.request('POST', '/items/unstar', { ids });
  async function starred(u: DriveClient, query = ''): Promise<StarredListing> {
    const res = await u.request('GET', `/starred${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<StarredListing>();
  }
  async function recent(u: DriveClient, query = ''): Promise<RecentListing> {
    const res = await u.request('GET', `/recent${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<RecentListing>();
  }
  const names = (listing: { items: { name: string }[] }) => listing.items.map((i) => i.name);
  /** Stars one at a time, a millisecond or more apart, so their order is the order of the calls. */
  async function starInTurn(u: DriveClient, items: Item[]): Promise<void> {
    for (const item of items) {
      expect((await star(u, item.id)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const open = async (u: DriveClient, id: string) =>
    expect((await u.request('GET', `/files/${id}/content`)).statusCode).toBe(200);

  describe('Starred', () => {
    it('stars and unstars files and folders, and listings, details and search say so', async () => {
      const u = await newDriveUser(t);
      const folder = await u.mkdir(u.root, 'Projects');
      const file = await u.upload(folder.id, 'plan.txt', 'plan');
      const plain = await u.upload(folder.id, 'other.txt', 'other');

      expect((await star(u, folder.id, file.id)).json()).toEqual({ ok: true });
      // Starring again changes nothing, not even the time.
      const first = await starred(u);
      expect((await star(u, file.id)).statusCode).toBe(200);
      expect(await starred(u)).toEqual(first);
      expect(first.total).toBe(2);
      expect(first.items.every((i) => i.starred)).toBe(true);
      const entry = first.items.find((i) => i.id === file.id)!;
      expect(entry).toMatchObject({ name: 'plan.txt', parentId: folder.id, tags: [] });
      expect(entry.parentPath.map((p) => p.id)).toEqual([u.root, folder.id]);
      expect(Date.parse(entry.starredAt)).not.toBeNaN();

      const root = await u.list(u.root);
      expect(root.items.find((i) => i.id === folder.id)?.starred).toBe(true);
      const inside = await u.list(folder.id);
      expect(inside.folder.starred).toBe(true);
      expect(Object.fromEntries(inside.items.map((i) => [i.name, i.starred]))).toEqual({
        'other.txt': false,
        'plan.txt': true,
      });
      expect((await u.item(file.id)).starred).toBe(true);
      expect((await u.item(plain.id)).starred).toBe(false);
      expect((await u.request('GET', `/files/${file.id}/info`)).json<FileInfo>().starred).toBe(true);
      const found = (await u.request('GET', '/search?q=txt')).json<SearchResponse>().items;
      expect(Object.fromEntries(found.map((i) => [i.name, i.starred]))).toEqual({
        'other.txt': false,
        'plan.txt': true,
      });

      expect((await unstar(u, file.id, plain.id)).statusCode).toBe(200);
      expect(names(await starred(u))).toEqual(['Projects']);
      expect((await u.item(file.id)).starred).toBe(false);
    });

    it('lists the newest star first, in pages like a folder listing', async () => {
      const u = await newDriveUser(t);
      const items: Item[] = [];
      for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'])
        items.push(await u.upload(u.root, name, name));
      await starInTurn(u, items);
      expect(names(await starred(u))).toEqual(['e.txt', 'd.txt', 'c.txt', 'b.txt', 'a.txt']);
      const pages = [];
      for (const offset of [0, 2, 4]) {
        const page = await starred(u, `?offset=${offset}&limit=2`);
        expect(page).toMatchObject({ total: 5, offset, limit: 2 });
        pages.push(...names(page));
      }
      expect(pages).toEqual(['e.txt', 'd.txt', 'c.txt', 'b.txt', 'a.txt']);
      expect((await u.request('GET', '/starred?limit=0')).statusCode).toBe(400);
      expect((await u.request('GET', '/starred?offset=-1')).statusCode).toBe(400);
      expect((await u.request('GET', '/starred?limit=10001')).statusCode).toBe(400);
    });

    it('hides trashed items until they are restored, and a purged item loses its star', async () => {
      const u = await newDriveUser(t);
      const folder = await u.mkdir(u.root, 'Old');
      const inside = await u.upload(folder.id, 'inside.txt', 'x');
      const loose = await u.upload(u.root, 'loose.txt', 'y');
      await starInTurn(u, [inside, loose]);

      await u.trash(folder.id);
      expect(names(await starred(u))).toEqual(['loose.txt']);
      expect((await starred(u)).total).toBe(1);
      await u.restore(folder.id);
      expect(names(await starred(u))).toEqual(['loose.txt', 'inside.txt']);

      await u.trash(loose.id);
      // A trashed item cannot be starred, but its star can be taken off.
      const again = await star(u, loose.id);
      expect(again.statusCode).toBe(409);
      expect(errorCode(again)).toBe('conflict');
      expect((await u.request('POST', '/trash/delete', { ids: [loose.id] })).statusCode).toBe(200);
      expect(await t.drive.repos.stars.among(u.userId, [loose.id, inside.id])).toEqual(new Set([inside.id]));
    });

    it("answers 404 for another user's item and stars nothing of a refused request", async () => {
      const owner = await newDriveUser(t);
      const stranger = await newDriveUser(t);
      const theirs = await owner.upload(owner.root, 'theirs.txt', 'x');
      const mine = await stranger.upload(stranger.root, 'mine.txt', 'y');
      await starInTurn(owner, [theirs]);

      for (const refused of [await star(stranger, mine.id, theirs.id), await unstar(stranger, theirs.id)]) {
        expect(refused.statusCode).toBe(404);
        expect(errorCode(refused)).toBe('not_found');
      }
      expect((await starred(stranger)).total).toBe(0);
      expect(names(await starred(owner))).toEqual(['theirs.txt']);

      const bad: [unknown, number][] = [
        [{ ids: [] }, 400],
        [{ ids: ['not-an-id'] }, 400],
        [{}, 400],
        [{ ids: [stranger.root] }, 400],
      ];
      for (const [body, status] of bad) {
        const res = await stranger.request('POST', '/items/star', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
      }
      expect((await starred(stranger)).total).toBe(0);
    });

    it('tells the other tabs of the user, and nobody else', async () => {
      await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.drive.app.server.address() as AddressInfo;
      const u = await newDriveUser(t);
      const other = await newDriveUser(t);
      const username = (await u.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
        .username;
      const tab = await openEventSocket(
        `ws://127.0.0.1:${port}/api/v1/events`,
        bearer(await t.login(username, 'user-password-1')),
      );
      const stranger = await openEventSocket(`ws://127.0.0.1:${port}/api/v1/events`, bearer(other.token));
      try {
        await tab.waitFor((e) => e.type === 'ready');
        await stranger.waitFor((e) => e.type === 'ready');
        const file = await u.upload(u.root, 'live.txt', 'x');
        const isStar = (starredNow: boolean) => (e: DriveEvent) =>
          e.type === 'item.starred' && e.starred === starredNow;
        await star(u, file.id);
        expect(await tab.waitFor(isStar(true))).toMatchObject({ itemIds: [file.id], starred: true });
        await unstar(u, file.id);
        expect(await tab.waitFor(isStar(false))).toMatchObject({ itemIds: [file.id], starred: false });
        expect(stranger.received.filter((e) => e.type === 'item.starred')).toEqual([]);
      } finally {
        await tab.close();
        await stranger.close();
      }
    });

    it('pages through 10,000 stars', async () => {
      const u = await newDriveUser(t);
      const folder = await u.mkdir(u.root, 'many');
      const ids = await insertFiles(t, u, folder.id, 10_000);
      await t.drive.repos.stars.add(u.userId, ids, Date.now());
      const first = await starred(u, '?limit=1000');
      expect(first.total).toBe(10_000);
      expect(first.items).toHaveLength(1000);
      const last = await starred(u, '?offset=9500&limit=1000');
      expect(last.items).toHaveLength(500);
      const all = new Set([...(await starred(u, '?limit=10000')).items.map((i) => i.id)]);
      expect(all.size).toBe(10_000);
      expect((await u.list(folder.id, '?limit=10000')).items.every((i) => i.starred)).toBe(true);
    });
  });

  describe('Recent', () => {
    it('records opens (downloads, the archive viewer, not a HEAD), an open again within the minute once', async () => {
      const u = await newDriveUser(t);
      const headed = await u.upload(u.root, 'headed.txt', 'head');
      const read = await u.upload(u.root, 'read.txt', 'read');
      const zip = await u.upload(u.root, 'empty.zip', EMPTY_ZIP);

      await open(u, read.id);
      expect((await u.request('GET', `/files/${zip.id}/archive`)).statusCode).toBe(200);
      expect((await u.request('HEAD' as 'GET', `/files/${headed.id}/content`)).statusCode).toBe(200);
      const list = await recent(u);
      expect(list.items.map((i) => [i.name, i.action])).toEqual([
        ['empty.zip', 'opened'],
        ['read.txt', 'opened'],
        ['headed.txt', 'changed'],
      ]);
      expect(list.items[0]).toMatchObject({ starred: false, parentPath: [{ id: u.root }] });

      // Read again at once (a video seeking, say): the entry keeps its place and time.
      await open(u, read.id);
      expect(await recent(u)).toEqual(list);

      // Reading an earlier version opens the file too (the save before it was a change).
      const saved = await u.request('PUT', `/files/${headed.id}/content`, Buffer.from('head 2'));
      expect(saved.statusCode, saved.body).toBe(200);
      expect((await recent(u)).items[0]).toMatchObject({ name: 'headed.txt', action: 'changed' });
      const earlier = (await u.request('GET', `/files/${headed.id}/versions`)).json<FileVersionList>()
        .versions[1]!;
      const old = await u.request('GET', `/files/${headed.id}/versions/${earlier.id}/content`);
      expect(old.body).toBe('head');
      expect((await recent(u)).items[0]).toMatchObject({ name: 'headed.txt', action: 'opened' });
    });

    it('records changes: uploads, saves, renames and moves, one entry per file, newest first', async () => {
      const u = await newDriveUser(t);
      const folder = await u.mkdir(u.root, 'Docs');
      const a = await u.upload(u.root, 'a.txt', 'a');
      const b = await u.upload(u.root, 'b.txt', 'b');
      const c = await u.upload(u.root, 'c.txt', 'c');
      expect(names(await recent(u))).toEqual(['c.txt', 'b.txt', 'a.txt']);

      await open(u, a.id);
      expect((await recent(u)).items[0]).toMatchObject({ name: 'a.txt', action: 'opened' });
      const saved = await u.request('PUT', `/files/${a.id}/content`, Buffer.from('a2'), {
        'content-type': 'text/plain',
      });
      expect(saved.statusCode, saved.body).toBe(200);
      await u.request('PATCH', `/items/${b.id}`, { name: 'b2.txt' });
      await u.request('PATCH', `/items/${c.id}`, { parentId: folder.id });
      const list = await recent(u);
      expect(list.items.map((i) => [i.name, i.action])).toEqual([
        ['c.txt', 'changed'],
        ['b2.txt', 'changed'],
        ['a.txt', 'changed'],
      ]);
      expect(list.total).toBe(3);
      expect(list.items[0]!.parentId).toBe(folder.id);
      const times = list.items.map((i) => Date.parse(i.at));
      expect(times).toEqual([...times].sort((x, y) => y - x));
    });

    it('hides trashed files, keeps folders and other users out, and pages', async () => {
      const u = await newDriveUser(t);
      const other = await newDriveUser(t);
      const theirs = await other.upload(other.root, 'theirs.txt', 'x');
      expect((await u.request('GET', `/files/${theirs.id}/content`)).statusCode).toBe(404);
      const files: Item[] = [];
      for (const name of ['1.txt', '2.txt', '3.txt']) files.push(await u.upload(u.root, name, name));
      await u.mkdir(u.root, 'A folder');
      await u.trash(files[1]!.id);
      expect(names(await recent(u))).toEqual(['3.txt', '1.txt']);
      expect(names(await recent(u, '?offset=1&limit=1'))).toEqual(['1.txt']);
      expect((await recent(u, '?offset=1&limit=1')).total).toBe(2);
      await u.restore(files[1]!.id);
      expect(names(await recent(u))).toEqual(['3.txt', '2.txt', '1.txt']);
      expect(names(await recent(other))).toEqual(['theirs.txt']);
    });

    it(`keeps each user's newest ${RECENT_KEEP} entries when maintenance runs`, async () => {
      const u = await newDriveUser(t);
      const folder = await u.mkdir(u.root, 'lots');
      const ids = await insertFiles(t, u, folder.id, RECENT_KEEP + 10);
      const base = Date.now() - 1_000_000;
      await t.drive.repos.recent.record(
        ids.map((item_id, i) => ({ user_id: u.userId, item_id, action: 'opened' as const, at: base + i })),
        60_000,
      );
      expect((await recent(u, '?limit=1')).total).toBe(RECENT_KEEP + 10);
      const report = await t.drive.maintenance.run();
      expect(report.recentPruned).toBe(10);
      const kept = await recent(u, '?limit=10000');
      expect(kept.total).toBe(RECENT_KEEP);
      // The ten oldest went.
      expect(new Set(kept.items.map((i) => i.id))).toEqual(new Set(ids.slice(10)));
      expect((await t.drive.maintenance.run()).recentPruned).toBe(0);
    });
  });

  it('leaves out what lies inside a closed locked folder, and shows it once unlocked', async () => {
    const owner = await newDriveUser(t);
    const username = (await owner.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const vault = await owner.mkdir(owner.root, 'Vault');
    const inside = await owner.upload(vault.id, 'inside.txt', 'secret');
    await starInTurn(owner, [vault, inside]);
    await open(owner, inside.id);
    expect(
      (await owner.request('POST', `/folders/${vault.id}/lock`, { password: PASSWORD })).statusCode,
    ).toBe(201);
    // A second session of the same user has not unlocked it.
    const other = driveClient(t, await t.login(username, 'user-password-1'));
    const shown = await starred(other);
    expect(names(shown)).toEqual(['Vault']);
    expect(shown.items[0]!.locked).toBe(true);
    expect(JSON.stringify(await recent(other))).not.toContain('inside');
    expect((await star(other, inside.id)).statusCode).toBe(423);
    expect((await unstar(other, inside.id)).statusCode).toBe(423);

    expect(names(await starred(owner))).toEqual(['inside.txt', 'Vault']);
    expect(
      (await other.request('POST', `/folders/${vault.id}/unlock`, { password: PASSWORD })).statusCode,
    ).toBe(200);
    expect(names(await starred(other))).toEqual(['inside.txt', 'Vault']);
    expect(names(await recent(other))).toContain('inside.txt');
  });
});

/** `count` empty files in a folder, written straight into the tree (quicker than as many uploads). */
async function insertFiles(t: TestApp, u: User, folderId: string, count: number): Promise<string[]> {
  const { newItemRow } = await import('../services/item.service.js');
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) =>
    newItemRow({ owner_id: u.userId, parent_id: folderId, type: 'file', name: `f${i}.txt`, now }),
  );
  await t.drive.repos.items.insertMany(rows);
  return rows.map((row) => row.id);
}
