import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SEGMENT_SIZE } from '@idrive/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { UserRow } from '../../src/db/schema.js';
import { CHUNK_TRAILER_SIZE } from '../../src/storage/chunk-format.js';
import { identifyStored } from '../../src/storage/identify.js';
import { MasterKey } from '../../src/storage/master-key.js';
import { PACK_ENTRY_SIZE, PACK_TRAILER_BASE } from '../../src/storage/pack-trailer.js';
import { SegmentCipher, sealedSize } from '../../src/storage/segment-cipher.js';
import { newDriveUser, type DriveClient } from '../helpers/drive-client.js';
import { describeEachDb } from '../helpers/test-db.js';
import { errorCode, startTestApp, type TestApp } from '../helpers/test-app.js';
import { unzipEntry } from '../helpers/zip-check.js';

const CHUNK = 4 * SEGMENT_SIZE;
const KEY = randomBytes(32);
/** Two drives given the same master key, as a copied install would be. */
const env = { IDRIVE_MASTER_KEY: KEY.toString('hex'), IDRIVE_CHUNK_SIZE: String(CHUNK) };
const master = new MasterKey(KEY);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const HOUR = 3_600_000;

describeEachDb('stored objects describe themselves', (dialect) => {
  let t: TestApp;
  let me: DriveClient & { userId: string; root: string };
  let work: string;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env });
    me = await newDriveUser(t);
    work = await mkdtemp(path.join(os.tmpdir(), 'idrive-objects-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(work, { recursive: true, force: true });
  });

  const versionOf = async (app: TestApp, itemId: string) =>
    (await app.drive.repos.items.findById(itemId))!.version_id!;
  const chunksOf = async (app: TestApp, itemId: string) =>
    app.drive.repos.versions.chunks(await versionOf(app, itemId));
  const pathOf = (app: TestApp, locator: string) =>
    path.join(app.dataDir, 'chunks', locator.slice(0, 2), locator);
  const content = (client: DriveClient, id: string, range?: string) =>
    client.request('GET', `/files/${id}/content`, undefined, range ? { range } : {});

  it('are identified, chunks and packs, from the files on disk and the master key alone once the drive is gone', async () => {
    const dataDir = path.join(work, 'gone');
    const gone = await startTestApp({ dialect, env, dataDir });
    let driveId: string;
    let big: { versionId: string; data: Buffer; chunks: { idx: number; locator: string | null }[] };
    const small = Array.from({ length: 30 }, (_, i) => ({ path: `s${i}.bin`, data: randomBytes(i * 97) }));
    const smallVersions = new Map<string, Buffer>();
    try {
      const owner = await newDriveUser(gone);
      driveId = await gone.drive.repos.drive.id();
      const data = randomBytes(2 * CHUNK + 12_345);
      const item = await owner.upload(owner.root, 'big.bin', data);
      big = { versionId: await versionOf(gone, item.id), data, chunks: await chunksOf(gone, item.id) };
      for (const [i, result] of (await owner.batch(owner.root, small)).entries()) {
        smallVersions.set(await versionOf(gone, result.item!.id), small[i]!.data);
      }
    } finally {
      await gone.close();
    }

    // Nothing but the stored files and the key from here on.
    const objects = new Map<string, Buffer>();
    for (const entry of await readdir(path.join(dataDir, 'chunks'), {
      recursive: true,
      withFileTypes: true,
    })) {
      if (entry.isFile()) objects.set(entry.name, await readFile(path.join(entry.parentPath, entry.name)));
    }
    const identities = await Promise.all(
      [...objects.values()].map((bytes) => identifyStored(master, bytes, { verify: true })),
    );
    const chunks = identities.filter((i) => i.kind === 'chunk').sort((a, b) => a.index - b.index);
    expect(
      chunks.map(({ driveId: d, versionId, index, chunkSize, plainSize }) => ({
        d,
        versionId,
        index,
        chunkSize,
        plainSize,
      })),
    ).toEqual(
      [CHUNK, CHUNK, 12_345].map((plainSize, index) => ({
        d: driveId,
        versionId: big.versionId,
        index,
        chunkSize: CHUNK,
        plainSize,
      })),
    );
    expect(chunks.map((c) => c.final)).toEqual([
      null,
      null,
      { chunks: 3, fileSize: big.data.length, sha256: sha256(big.data) },
    ]);
    for (const chunk of big.chunks) {
      expect(identities[[...objects.keys()].indexOf(chunk.locator!)]).toMatchObject({
        kind: 'chunk',
        index: chunk.idx,
      });
    }

    const packs = identities.filter((i) => i.kind === 'pack');
    expect(packs).toHaveLength(1);
    const [pack] = packs;
    expect(pack!.driveId).toBe(driveId);
    expect(objects.has(pack!.packId)).toBe(true);
    expect(pack!.entries.map((e) => [e.versionId, e.format, e.plainSize, e.sha256, e.damage])).toEqual(
      [...smallVersions].map(([versionId, data]) => [versionId, 2, data.length, sha256(data), undefined]),
    );
    const packBytes = objects.get(pack!.packId)!;
    const sealed = pack!.entries.reduce((sum, e) => sum + e.sealedSize, 0);
    expect(packBytes.length).toBe(sealed + PACK_TRAILER_BASE + 30 * PACK_ENTRY_SIZE);
    expect(identities.filter((i) => i.kind !== 'chunk' && i.kind !== 'pack')).toEqual([]);
  });

  it("refuse to read a chunk copied over another file's chunk of the same size", async () => {
    const [a, b] = [randomBytes(2 * CHUNK), randomBytes(2 * CHUNK)];
    const fileA = await me.upload(me.root, 'a.bin', a);
    const fileB = await me.upload(me.root, 'b.bin', b);
    const [chunkA, chunkB] = [(await chunksOf(t, fileA.id))[0]!, (await chunksOf(t, fileB.id))[0]!];
    await writeFile(pathOf(t, chunkA.locator!), await readFile(pathOf(t, chunkB.locator!)));

    const whole = await content(me, fileA.id);
    expect(whole.statusCode).toBe(500);
    expect(errorCode(whole)).toBe('integrity_failed');
    expect(whole.json<{ error: { message: string } }>().error.message).toBe(
      `Chunk 0 holds chunk 0 of version ${await versionOf(t, fileB.id)}: the file is damaged`,
    );
    expect(errorCode(await content(me, fileA.id, 'bytes=5-9'))).toBe('integrity_failed');
    const second = await content(me, fileA.id, `bytes=${CHUNK}-`);
    expect(second.statusCode).toBe(206);
    expect(second.rawPayload.equals(a.subarray(CHUNK))).toBe(true);
    expect((await me.content(fileB.id)).equals(b)).toBe(true);
  });

  it('refuse to read a chunk of another drive that has the same master key', async () => {
    const other = await startTestApp({ dialect, env });
    try {
      const them = await newDriveUser(other);
      expect(await other.drive.repos.drive.id()).not.toBe(await t.drive.repos.drive.id());
      const mine = await me.upload(me.root, 'mine.bin', randomBytes(CHUNK + 100));
      const theirs = await them.upload(them.root, 'theirs.bin', randomBytes(CHUNK + 100));
      const [target, source] = [(await chunksOf(t, mine.id))[0]!, (await chunksOf(other, theirs.id))[0]!];
      await writeFile(pathOf(t, target.locator!), await readFile(pathOf(other, source.locator!)));
      const res = await content(me, mine.id);
      expect(errorCode(res)).toBe('integrity_failed');
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(
        /^Chunk 0 belongs to another drive/,
      );
      expect(errorCode(await content(me, mine.id, 'bytes=10-20'))).toBe('integrity_failed');
    } finally {
      await other.close();
    }
  });

  it('keep reading files stored in format 1, whole, by range, packed and zipped, and compaction lists them', async () => {
    const files = t.drive.context.files;
    const user = (await t.drive.repos.users.findById(me.userId)) as UserRow;
    const folder = await me.mkdir(me.root, 'format-1');
    const target = (name: string) => ({
      parentId: folder.id,
      name,
      conflict: 'fail' as const,
      mimeType: 'application/octet-stream',
    });
    /** A version as format 1 wrote it: its key wrapped for the version alone, its segments bound to it alone. */
    const formatOne = (versionId: string) => {
      const key = randomBytes(32);
      return {
        cipher: new SegmentCipher(key, versionId),
        wrapped: master.wrap(key, versionId).toString('base64'),
      };
    };

    // A large file, through the chunk writer with a format-1 cipher.
    const data = randomBytes(3 * CHUNK + 777);
    const { row } = files.newVersion(me.userId);
    const old = formatOne(row.id);
    await t.drive.repos.versions.insert({ ...row, format: 1, wrapped_key: old.wrapped });
    const session = files.cipherSession(true);
    const writer = files.writer(row.id, old.cipher, session, { totalSize: data.length });
    await writer.write(data);
    await writer.finish();
    const large = await files.commit(user, target('large.bin'), row.id, data.length, await session.digest());
    for (const chunk of await chunksOf(t, large.id)) {
      const stored = await readFile(pathOf(t, chunk.locator!));
      expect(stored.length).toBe(sealedSize(chunk.plain_size));
      expect((await identifyStored(master, stored)).kind).toBe('foreign');
    }
    expect((await me.content(large.id)).equals(data)).toBe(true);
    for (const [start, end] of [
      [0, 0],
      [SEGMENT_SIZE - 1, SEGMENT_SIZE],
      [CHUNK - 1, CHUNK + 1],
      [2 * CHUNK, 3 * CHUNK - 1],
      [3 * CHUNK + 776, 3 * CHUNK + 776],
    ] as const) {
      const part = await content(me, large.id, `bytes=${start}-${end}`);
      expect(part.rawPayload.equals(data.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }

    // Small files in a pack as format 1 wrote it: the same bytes, without a trailer.
    const small = Array.from({ length: 10 }, (_, i) => randomBytes(1000 + i));
    const packed = small.map((plain, i) => {
      const version = files.newVersion(me.userId).row;
      const { cipher, wrapped } = formatOne(version.id);
      return {
        target: target(`small-${i}.bin`),
        version: { ...version, format: 1, wrapped_key: wrapped },
        size: plain.length,
        sha256: sha256(plain),
        sealed: cipher.sealSegments(0, plain, true),
      };
    });
    const items = (await t.drive.packs.store(user, user.id, packed)).map((r) => r as { id: string });
    const [first] = await chunksOf(t, items[0]!.id);
    const packFile = pathOf(t, first!.locator!);
    const sealedBytes = packed.reduce((sum, p) => sum + p.sealed.length, 0);
    await truncate(packFile, sealedBytes);
    expect((await identifyStored(master, await readFile(packFile))).kind).toBe('foreign');
    for (const [i, item] of items.entries()) expect((await me.content(item.id)).equals(small[i]!)).toBe(true);
    const part = await content(me, items[3]!.id, 'bytes=10-19');
    expect(part.rawPayload.equals(small[3]!.subarray(10, 20))).toBe(true);
    const zip = await me.request('GET', `/folders/${folder.id}/zip`);
    expect(zip.statusCode).toBe(200);
    const zipFile = path.join(work, 'format-1.zip');
    await writeFile(zipFile, zip.rawPayload);
    expect(unzipEntry(zipFile, 'small-7.bin').equals(small[7]!)).toBe(true);
    expect(unzipEntry(zipFile, 'large.bin').equals(data)).toBe(true);

    // Most of the pack deleted: the files left move to a new pack, whose trailer lists them as format 1.
    await me.trash(...items.slice(0, 8).map((item) => item.id));
    await me.request('DELETE', '/trash');
    expect((await t.drive.maintenance.run(Date.now() + 2 * HOUR)).packsCompacted).toBeGreaterThanOrEqual(1);
    const [moved] = await chunksOf(t, items[9]!.id);
    const identity = await identifyStored(master, await readFile(pathOf(t, moved!.locator!)), {
      verify: true,
    });
    expect(
      identity.kind === 'pack' && identity.entries.map((e) => [e.versionId, e.format, e.sha256, e.damage]),
    ).toEqual([8, 9].map((i) => [packed[i]!.version.id, 1, sha256(small[i]!), undefined]));
    for (const i of [8, 9]) expect((await me.content(items[i]!.id)).equals(small[i]!)).toBe(true);
  });

  it('hold a format-2 chunk 229 bytes longer than format 1, under the 10 MiB a Discord attachment takes', () => {
    expect(CHUNK_TRAILER_SIZE).toBe(229);
    expect(sealedSize(8 * 1024 * 1024) + CHUNK_TRAILER_SIZE).toBeLessThan(10 * 1024 * 1024);
  });
});
