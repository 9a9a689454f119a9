import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchUploadResponse, FileInfo, FileVersionList } from '@idrive/shared';
import { multipart, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const HOUR = 3_600_000;

type Client = DriveClient & { userId: string; root: string };
type Result = BatchUploadResponse['results'][number];

function itemOf(result: Result | undefined) {
  if (!result?.item) throw new Error(`no item: ${JSON.stringify(result)}`);
  return result.item;
}

describeEachDb('batch upload and small-file packs', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  /** Objects in the local store: each pack or unpacked chunk is one file. */
  async function storedObjects(): Promise<number> {
    const dir = path.join(t.dataDir, 'chunks');
    let n = 0;
    for (const sub of await readdir(dir).catch(() => [])) {
      n += (await readdir(path.join(dir, sub))).filter((f) => !f.includes('.tmp')).length;
    }
    return n;
  }

  async function storage(u: Client, id: string) {
    return (await u.request('GET', `/files/${id}/info`)).json<FileInfo>().storage;
  }

  it('stores many small files in one pack, each readable whole and by range, in the order sent', async () => {
    const u: Client = await newDriveUser(t);
    const before = await storedObjects();
    const files = Array.from({ length: 60 }, (_, i) => ({
      path: `note-${i}.txt`,
      data: randomBytes(i * 97),
    }));
    const results = await u.batch(u.root, files);
    expect(results.map((r) => r.path)).toEqual(files.map((f) => f.path));
    for (const [i, r] of results.entries()) {
      const item = itemOf(r);
      expect(item).toMatchObject({ name: files[i]!.path, size: files[i]!.data.length });
      expect((await u.content(item.id)).equals(files[i]!.data)).toBe(true);
    }
    // 60 files, one stored object.
    expect((await storedObjects()) - before).toBe(1);
    const last = itemOf(results[59]);
    const range = await u.request('GET', `/files/${last.id}/content`, undefined, { range: 'bytes=100-199' });
    expect(range.statusCode).toBe(206);
    expect(range.rawPayload.equals(files[59]!.data.subarray(100, 200))).toBe(true);
    expect(await u.usedBytes()).toBe(files.reduce((s, f) => s + f.data.length, 0));
  });

  it('creates the folders a path names, and streams files too big to pack through the chunk pipeline', async () => {
    const u: Client = await newDriveUser(t);
    const big = randomBytes(3 * 1024 * 1024 + 5);
    const results = await u.batch(u.root, [
      { path: 'album/2024/a.jpg', data: 'aaa' },
      { path: 'album/2024/big.raw', data: big },
      { path: 'Album/b.jpg', data: 'bbb' },
      { path: 'empty.txt', data: '' },
    ]);
    expect(results.every((r) => r.item)).toBe(true);
    const root = await u.list(u.root);
    expect(root.items.map((i) => i.name)).toEqual(['album', 'empty.txt']);
    const album = root.items[0]!;
    expect(album.size).toBe(3 + big.length + 3);
    const inAlbum = await u.list(album.id);
    expect(inAlbum.items.map((i) => i.name)).toEqual(['2024', 'b.jpg']);
    expect((await u.content(itemOf(results[1]).id)).equals(big)).toBe(true);
    expect((await u.content(itemOf(results[3]).id)).length).toBe(0);
    expect((await storage(u, itemOf(results[1]).id))?.stores).toEqual([
      expect.objectContaining({ store: 'local', chunks: 1 }),
    ]);
  });

  it('reports a name conflict or a bad name for that file only, and applies rename and replace', async () => {
    const u: Client = await newDriveUser(t);
    await u.upload(u.root, 'taken.txt', 'old');
    const results = await u.batch(u.root, [
      { path: 'taken.txt', data: 'new' },
      { path: 'fine.txt', data: 'fine' },
      { path: 'x/../escape.txt', data: 'no' },
      { path: 'dup.txt', data: 'first' },
      { path: 'DUP.txt', data: 'second' },
    ]);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual([
      'name_conflict',
      'ok',
      'bad_request',
      'ok',
      'name_conflict',
    ]);
    expect((await u.list(u.root)).items.map((i) => i.name)).toEqual(['dup.txt', 'fine.txt', 'taken.txt']);
    const taken = (await u.list(u.root)).items.find((i) => i.name === 'taken.txt')!;
    expect((await u.content(taken.id)).toString()).toBe('old');

    const renamed = await u.batch(u.root, [{ path: 'taken.txt', data: 'newer' }], '?conflict=rename');
    expect(itemOf(renamed[0]).name).toBe('taken (1).txt');
    const replaced = await u.batch(u.root, [{ path: 'taken.txt', data: 'replaced' }], '?conflict=replace');
    expect(itemOf(replaced[0]).id).toBe(taken.id);
    expect((await u.content(taken.id)).toString()).toBe('replaced');
  });

  it('refuses a request that is not multipart (415) and a folder of someone else (404), storing nothing', async () => {
    const u: Client = await newDriveUser(t);
    const other: Client = await newDriveUser(t);
    const before = await storedObjects();
    const plain = await u.request('POST', `/folders/${u.root}/batch`, 'hello', {
      'content-type': 'text/plain',
    });
    expect([415, 400]).toContain(plain.statusCode);
    const { body, contentType } = await multipart([{ path: 'a.txt', data: 'a' }]);
    const foreign = await u.request('POST', `/folders/${other.root}/batch`, body, {
      'content-type': contentType,
    });
    expect(foreign.statusCode).toBe(404);
    expect(errorCode(foreign)).toBe('not_found');
    expect(await storedObjects()).toBe(before);
    expect((await other.list(other.root)).total).toBe(0);
  });

  describe('compaction and crashes (an app of their own: these count every stored object)', () => {
    beforeAll(async () => {
      await t.close();
      t = await startTestApp({ dialect });
    });

    it('compacts a mostly deleted pack: live files move to a new pack, the old one is deleted', async () => {
      const u: Client = await newDriveUser(t);
      const files = Array.from({ length: 20 }, (_, i) => ({
        path: `f${i}.bin`,
        data: randomBytes(5000 + i),
      }));
      const items = (await u.batch(u.root, files)).map(itemOf);
      const objects = await storedObjects();

      // Deleting a few files keeps the pack: it is still mostly in use.
      await u.trash(...items.slice(0, 5).map((i) => i.id));
      await u.request('DELETE', '/trash');
      let report = await t.drive.maintenance.run(Date.now() + 2 * HOUR);
      expect(report.packsCompacted).toBe(0);
      expect(await storedObjects()).toBe(objects);

      // With 15 of 20 gone, the 5 left are copied into a new pack and the old pack goes.
      await u.trash(...items.slice(5, 15).map((i) => i.id));
      await u.request('DELETE', '/trash');
      report = await t.drive.maintenance.run(Date.now() + 2 * HOUR);
      expect(report.packsCompacted).toBe(1);
      expect(await storedObjects()).toBe(objects);
      for (const [i, item] of items.entries()) {
        if (i < 15) continue;
        expect((await u.content(item.id)).equals(files[i]!.data)).toBe(true);
      }

      // Once every file is gone, so is the pack, object and record.
      await u.trash(...items.slice(15).map((i) => i.id));
      await u.request('DELETE', '/trash');
      await t.drive.maintenance.run(Date.now() + 2 * HOUR);
      expect(await storedObjects()).toBe(objects - 1);
      report = await t.drive.maintenance.run(Date.now() + 4 * HOUR);
      expect(report.packsCompacted).toBe(1);
      expect((await t.drive.maintenance.run(Date.now() + 4 * HOUR)).packsCompacted).toBe(0);
    });

    it('copies the bytes a restored version shares with its earlier one once into the new pack', async () => {
      const u: Client = await newDriveUser(t);
      const files = Array.from({ length: 20 }, (_, i) => ({ path: `r${i}.bin`, data: randomBytes(5000) }));
      const items = (await u.batch(u.root, files)).map(itemOf);
      const kept = items[19]!;
      await u.request('PUT', `/files/${kept.id}/content`, Buffer.from('changed'));
      const versions = async () =>
        (await u.request('GET', `/files/${kept.id}/versions`)).json<FileVersionList>().versions;
      const packed = (await versions())[1]!;
      await u.request('POST', `/files/${kept.id}/versions/${packed.id}/restore`);
      const restored = (await versions())[0]!;

      await u.trash(...items.slice(0, 15).map((i) => i.id));
      await u.request('DELETE', '/trash');
      expect((await t.drive.maintenance.run(Date.now() + 2 * HOUR)).packsCompacted).toBe(1);
      const [was] = await t.drive.repos.versions.chunks(packed.id);
      const [now] = await t.drive.repos.versions.chunks(restored.id);
      expect([now!.pack_id, now!.pack_offset]).toEqual([was!.pack_id, was!.pack_offset]);
      const inPack = await t.drive.repos.versions.packedChunks(was!.pack_id!);
      expect(inPack).toHaveLength(6);
      expect(new Set(inPack.map((c) => c.pack_offset)).size).toBe(5);
      expect((await u.content(kept.id)).equals(files[19]!.data)).toBe(true);
      const earlier = await u.request('GET', `/files/${kept.id}/versions/${packed.id}/content`);
      expect(earlier.rawPayload.equals(files[19]!.data)).toBe(true);
    });

    it('a pack whose files were never committed is discarded by maintenance and swept', async () => {
      const u: Client = await newDriveUser(t);
      const user = (await t.drive.repos.users.findById(u.userId))!;
      const before = await storedObjects();
      // A batch that stored its pack but died before the commit: versions still 'uploading'.
      const target = {
        parentId: u.root,
        name: 'lost.txt',
        conflict: 'fail' as const,
        mimeType: 'text/plain',
      };
      const file = t.drive.packs.seal(user, user.id, target, Buffer.from('x'));
      const store = t.drive.stores.current();
      const packId = randomUUID();
      await t.drive.repos.transaction(async (r) => {
        await r.versions.insertPack({
          id: packId,
          store: store.name,
          size: file.sealed.length,
          created_at: 0,
        });
        await r.versions.insertVersions([{ ...file.version, created_at: 0 }]);
        await r.versions.insertChunks([
          {
            version_id: file.version.id,
            idx: 0,
            store: store.name,
            chunk_key: randomUUID(),
            locator: null,
            plain_size: 1,
            sealed_size: file.sealed.length,
            pack_id: packId,
            pack_offset: 0,
          },
        ]);
      });
      await store.put(packId, file.sealed);
      expect(await storedObjects()).toBe(before + 1);
      const report = await t.drive.maintenance.run(Date.now() + 48 * HOUR);
      expect(report.versionsDiscarded).toBeGreaterThanOrEqual(1);
      expect(report.packsCompacted).toBeGreaterThanOrEqual(1);
      // The pack record went with the compaction; the object goes with the next sweep, once older than the upload expiry.
      await t.drive.maintenance.sweep(Date.now() + 96 * HOUR);
      expect(await storedObjects()).toBe(before);
      expect((await u.list(u.root)).total).toBe(0);
    });
  });
});
