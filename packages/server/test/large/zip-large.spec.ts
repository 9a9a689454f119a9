import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from '@node-rs/crc32';
import { nameKey } from '@idrive/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NewItemRow } from '../../src/db/schema.js';
import { download } from '../helpers/download.js';
import { newDriveUser, type DriveClient } from '../helpers/drive-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';
import { pythonZipReport, unzipNames, unzipTest } from '../helpers/zip-check.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Archives at the format's limits, made of many item rows that share one stored version (as copies
 * do), so that gigabytes of archive cost megabytes of storage: 100,000 entries, and over 4 GiB.
 */
describeEachDb('zip downloads at scale', (dialect) => {
  let t: TestApp;
  let me: DriveClient & { root: string; userId: string };
  let dir: string;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    me = await newDriveUser(t);
    dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-zip-large-'));
    baseUrl = `${await t.drive.app.listen({ host: '127.0.0.1', port: 0 })}/api/v1`;
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Item rows for `count` files in `folderId` that all hold the stored version of `sourceId`. */
  async function copiesOf(sourceId: string, folderId: string, count: number, name: (i: number) => string) {
    const source = (await t.drive.repos.items.findById(sourceId))!;
    const now = Date.now();
    const rows: NewItemRow[] = Array.from({ length: count }, (_, i) => ({
      ...source,
      id: randomUUID(),
      parent_id: folderId,
      name: name(i),
      name_key: nameKey(name(i)),
      created_at: now,
      updated_at: now,
    }));
    await t.drive.repos.transaction((r) => r.items.insertMany(rows));
  }

  async function folderRows(parentId: string, count: number, name: (i: number) => string): Promise<string[]> {
    const now = Date.now();
    const rows: NewItemRow[] = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      owner_id: me.userId,
      parent_id: parentId,
      type: 'folder',
      name: name(i),
      name_key: nameKey(name(i)),
      size: 0,
      mime_type: null,
      version_id: null,
      created_at: now,
      updated_at: now,
      trashed_at: null,
      trash_root_id: null,
      original_parent_id: null,
    }));
    await t.drive.repos.transaction((r) => r.items.insertMany(rows));
    return rows.map((r) => r.id);
  }

  async function zipToFile(folderId: string, name: string) {
    const file = path.join(dir, name);
    const got = await download(
      `${baseUrl}/folders/${folderId}/zip`,
      { authorization: `Bearer ${me.token}` },
      { toFile: file },
    );
    expect(got.status).toBe(200);
    expect(Number(got.headers['content-length'])).toBe(got.bytes);
    expect((await stat(file)).size).toBe(got.bytes);
    return { file, bytes: got.bytes };
  }

  it('zips 100,000 small files in 100 folders (zip64 end records), checked by unzip and Python', async () => {
    const content = Buffer.from('one small file, a hundred thousand times over\n');
    const seed = await me.upload(me.root, 'seed.txt', content);
    const many = await me.mkdir(me.root, 'many');
    const folders = await folderRows(many.id, 100, (i) => `folder-${String(i).padStart(3, '0')}`);
    for (const folderId of folders) await copiesOf(seed.id, folderId, 1000, (i) => `file-${i}.txt`);

    const { file } = await zipToFile(many.id, 'many.zip');
    const checked = unzipTest(file);
    expect(checked.ok, checked.output.slice(-2000)).toBe(true);
    expect(unzipNames(file).length).toBe(100_100);
    const report = pythonZipReport(file);
    expect(report.bad).toBeNull();
    expect(report.entries.length).toBe(100_100);
    const files = report.entries.filter((e) => !e.dir);
    expect(files.length).toBe(100_000);
    expect(files.every((e) => e.size === content.length && e.crc === crc32(content))).toBe(true);
    expect(report.entries[0]!.name).toBe('folder-000/');
    expect(report.entries[1]!.name).toBe('folder-000/file-0.txt');
    await rm(file);
  }, 240_000);

  it('zips over 4 GiB (zip64 offsets), checked by unzip and Python', async () => {
    const content = randomBytes(64 * MiB);
    const big = await me.mkdir(me.root, 'big');
    const seed = await me.upload(big.id, 'copy-00.bin', content);
    await copiesOf(seed.id, big.id, 65, (i) => `copy-${String(i + 1).padStart(2, '0')}.bin`);

    const { file, bytes } = await zipToFile(big.id, 'big.zip');
    expect(bytes).toBeGreaterThan(4 * GiB);
    const checked = unzipTest(file);
    expect(checked.ok, checked.output).toBe(true);
    const report = pythonZipReport(file);
    expect(report.bad).toBeNull();
    expect(report.entries.length).toBe(66);
    expect(report.entries.every((e) => e.size === content.length && e.crc === crc32(content))).toBe(true);
    await rm(file);
  }, 240_000);
});
