import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from '@node-rs/crc32';
import type { Item } from '@idrive/shared';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { download } from '../../test/helpers/download.js';
import { newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { pythonZipReport, unzipNames, unzipTest } from '../../test/helpers/zip-check.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeEachDb('zip downloads', (dialect) => {
  let t: TestApp;
  let me: DriveClient & { root: string; userId: string };
  let dir: string;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    me = await newDriveUser(t);
    dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-zip-routes-'));
    baseUrl = `${await t.drive.app.listen({ host: '127.0.0.1', port: 0 })}/api/v1`;
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function zipOf(url: string, headers: Record<string, string> = {}) {
    return me.request('GET', url, undefined, headers);
  }

  function headOf(url: string) {
    return t.drive.app.inject({ method: 'HEAD', url: `/api/v1${url}`, headers: bearer(me.token) });
  }

  async function saved(name: string, bytes: Buffer): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    return file;
  }

  /** A folder with nested folders, an empty folder, a 0-byte file and non-ASCII names; returns the files' bytes by path. */
  async function sampleTree(parentId: string, name: string) {
    const top = await me.mkdir(parentId, name);
    const nested = await me.mkdir(top.id, 'nested');
    const deeper = await me.mkdir(nested.id, 'deeper');
    const japanese = await me.mkdir(top.id, '日本語のフォルダ');
    await me.mkdir(top.id, 'empty');
    const files: Record<string, Buffer> = {
      'żółć.txt': Buffer.from('zażółć gęślą jaźń\n'),
      'zero.txt': Buffer.alloc(0),
      'nested/deeper/data.bin': randomBytes(300_000),
      '日本語のフォルダ/ファイル.txt': Buffer.from('こんにちは\n'),
      'nested/notes.md': Buffer.from('# notes\n'),
    };
    await me.upload(top.id, 'żółć.txt', files['żółć.txt']!);
    await me.upload(top.id, 'zero.txt', files['zero.txt']!);
    await me.upload(deeper.id, 'data.bin', files['nested/deeper/data.bin']!);
    await me.upload(japanese.id, 'ファイル.txt', files['日本語のフォルダ/ファイル.txt']!);
    await me.upload(nested.id, 'notes.md', files['nested/notes.md']!);
    return { top, nested, deeper, files };
  }

  it('zips a folder tree that unzip and Python read back: names, sizes, CRCs, bytes', async () => {
    const { top, files } = await sampleTree(me.root, 'Projekt żółw');
    const res = await zipOf(`/folders/${top.id}/zip`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain(
      "filename*=UTF-8''Projekt%20%C5%BC%C3%B3%C5%82w.zip",
    );
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toMatch(/^"zip-/);

    const file = await saved('tree.zip', res.rawPayload);
    const checked = unzipTest(file);
    expect(checked.ok, checked.output).toBe(true);
    expect(unzipNames(file).sort()).toEqual(
      [
        'empty/',
        'nested/',
        'nested/deeper/',
        'nested/deeper/data.bin',
        'nested/notes.md',
        'zero.txt',
        'żółć.txt',
        '日本語のフォルダ/',
        '日本語のフォルダ/ファイル.txt',
      ].sort(),
    );
    const report = pythonZipReport(file, true);
    expect(report.bad).toBeNull();
    for (const entry of report.entries) {
      expect(entry.flags & 0x800, entry.name).toBe(0x800);
      if (entry.dir) continue;
      const original = files[entry.name]!;
      expect(entry.size, entry.name).toBe(original.length);
      expect(entry.crc, entry.name).toBe(crc32(original));
      expect(entry.sha256, entry.name).toBe(sha256(original));
    }
    expect(report.entries.find((e) => e.name === 'empty/')?.dir).toBe(true);

    // The same tree gives the same bytes and the same ETag, now with every CRC known.
    const again = await zipOf(`/folders/${top.id}/zip`);
    expect(again.headers.etag).toBe(res.headers.etag);
    expect(again.rawPayload.equals(res.rawPayload)).toBe(true);
    const head = await headOf(`/folders/${top.id}/zip`);
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(res.headers['content-length']);
    expect(head.rawPayload.length).toBe(0);
  });

  it('zips a selection with the items at the top level, numbering names that clash', async () => {
    const a = await me.mkdir(me.root, 'sel-a');
    const b = await me.mkdir(me.root, 'sel-b');
    const one = await me.upload(a.id, 'report.txt', 'from a');
    const two = await me.upload(b.id, 'Report.txt', 'from b');
    const sub = await me.mkdir(b.id, 'photos');
    await me.upload(sub.id, 'cat.jpg', 'meow');
    const res = await zipOf(`/zip?ids=${one.id},${two.id},${sub.id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toContain('filename="I Drive.zip"');
    const report = pythonZipReport(await saved('selection.zip', res.rawPayload), true);
    expect(report.bad).toBeNull();
    expect(report.entries.map((e) => e.name)).toEqual([
      'photos/',
      'photos/cat.jpg',
      'Report.txt',
      'report (1).txt',
    ]);
    expect(report.entries[2]!.sha256).toBe(sha256(Buffer.from('from b')));
    expect(report.entries[3]!.sha256).toBe(sha256(Buffer.from('from a')));
    // The order of the ids does not change the archive.
    const reordered = await zipOf(`/zip?ids=${sub.id},${two.id},${one.id}`);
    expect(reordered.rawPayload.equals(res.rawPayload)).toBe(true);
    const single = await zipOf(`/zip?ids=${sub.id}`);
    expect(single.headers['content-disposition']).toContain('filename="photos.zip"');
  });

  it('leaves trashed items out', async () => {
    const top = await me.mkdir(me.root, 'with-trash');
    const keep = await me.upload(top.id, 'keep.txt', 'keep');
    const gone = await me.upload(top.id, 'gone.txt', 'gone');
    const sub = await me.mkdir(top.id, 'old');
    await me.upload(sub.id, 'inside.txt', 'inside');
    const before = await zipOf(`/folders/${top.id}/zip`);
    await me.trash(gone.id, sub.id);
    const after = await zipOf(`/folders/${top.id}/zip`);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(unzipNames(await saved('trash.zip', after.rawPayload))).toEqual(['keep.txt']);
    // With everything in the trash the archive is empty, and still a valid zip.
    await me.trash(keep.id);
    const empty = await zipOf(`/folders/${top.id}/zip`);
    expect(empty.rawPayload.length).toBe(22);
    expect(pythonZipReport(await saved('empty.zip', empty.rawPayload))).toEqual({ bad: null, entries: [] });
    // A trashed item named directly is refused, not silently dropped.
    const named = await zipOf(`/zip?ids=${top.id},${gone.id}`);
    expect(named.statusCode).toBe(409);
    expect((await zipOf(`/folders/${sub.id}/zip`)).statusCode).toBe(409);
  });

  it("answers 404 for another user's folder or ids, and 400 for bad ids", async () => {
    const other = await newDriveUser(t);
    const theirs = await other.mkdir(other.root, 'theirs');
    const theirFile = await other.upload(theirs.id, 'secret.txt', 'secret');
    const mine = await me.upload(me.root, 'mine.txt', 'mine');
    expect((await zipOf(`/folders/${theirs.id}/zip`)).statusCode).toBe(404);
    expect((await zipOf(`/zip?ids=${theirFile.id}`)).statusCode).toBe(404);
    expect((await zipOf(`/zip?ids=${mine.id},${theirFile.id}`)).statusCode).toBe(404);
    for (const query of ['', '?ids=', '?ids=not-a-uuid', `?ids=${mine.id},x`]) {
      const res = await zipOf(`/zip${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    }
    const tooMany = Array.from({ length: 301 }, () => mine.id).join(',');
    expect((await zipOf(`/zip?ids=${tooMany}`)).statusCode).toBe(400);
    expect((await zipOf(`/folders/${mine.id}/zip`)).statusCode).toBe(400);
    expect((await zipOf(`/zip?ids=${me.root}`)).statusCode).toBe(400);
  });

  it('resumes a download cut at a random byte with identical bytes, also inside an entry whose CRC was never computed', async () => {
    const top = await me.mkdir(me.root, 'resume');
    // The second file is far larger than what sockets buffer, so the cut leaves most of it unsent.
    const parts = [
      randomBytes(700_000),
      randomBytes(24 * 1024 * 1024),
      randomBytes(10),
      randomBytes(900_000),
    ];
    const uploaded: Item[] = [];
    for (const [i, bytes] of parts.entries()) uploaded.push(await me.upload(top.id, `part-${i}.bin`, bytes));
    const crcsKnown = async () => {
      const known: boolean[] = [];
      for (const item of uploaded) {
        const row = await t.drive.repos.items.findById(item.id);
        known.push((await t.drive.repos.versions.findById(row!.version_id!))!.crc32 !== null);
      }
      return known;
    };
    const url = `${baseUrl}/folders/${top.id}/zip`;
    const auth = { authorization: `Bearer ${me.token}` };
    const head = await headOf(`/folders/${top.id}/zip`);
    const size = Number(head.headers['content-length']);
    const etag = head.headers.etag as string;

    // Cut inside the second file's bytes, where no CRC is known yet.
    const cutAt = 700_200 + Math.floor(Math.random() * 2_000_000);
    const first = await download(url, auth, { cutAfter: cutAt });
    expect(first.status).toBe(200);
    expect(first.bytes).toBe(cutAt);
    // The first file's CRC was learned on the way and kept; the one cut short was not.
    await vi.waitFor(async () => expect(await crcsKnown()).toEqual([true, false, false, false]));

    const rest = await download(url, { ...auth, range: `bytes=${cutAt}-`, 'if-range': etag });
    expect(rest.status).toBe(206);
    expect(rest.headers['content-range']).toBe(`bytes ${cutAt}-${size - 1}/${size}`);
    expect(Number(rest.headers['content-length'])).toBe(rest.bytes);
    expect(rest.bytes).toBe(size - cutAt);
    const resumed = Buffer.concat([first.body!, rest.body!]);
    expect(await crcsKnown()).toEqual([true, true, true, true]);

    const whole = await download(url, auth);
    expect(whole.status).toBe(200);
    expect(Number(whole.headers['content-length'])).toBe(whole.bytes);
    expect(whole.bytes).toBe(size);
    expect(sha256(resumed)).toBe(whole.sha256);
    const file = await saved('resumed.zip', resumed);
    expect(unzipTest(file).ok).toBe(true);
    const report = pythonZipReport(file, true);
    expect(report.bad).toBeNull();
    expect(report.entries.map((e) => e.sha256)).toEqual(parts.map(sha256));
  });

  it('starts a range past entries whose CRC is not known by reading just those entries', async () => {
    const top = await me.mkdir(me.root, 'tail-first');
    for (let i = 0; i < 3; i++) await me.upload(top.id, `f${i}.bin`, randomBytes(200_000 + i));
    const head = await headOf(`/folders/${top.id}/zip`);
    const size = Number(head.headers['content-length']);
    // The last bytes (central directory, end records) first, while no CRC is known.
    const tail = await zipOf(`/folders/${top.id}/zip`, { range: `bytes=${size - 300}-` });
    expect(tail.statusCode).toBe(206);
    const whole = await zipOf(`/folders/${top.id}/zip`);
    expect(tail.rawPayload.equals(whole.rawPayload.subarray(size - 300))).toBe(true);
  });

  it('answers 416 for an unsatisfiable range and the whole archive when If-Range no longer matches', async () => {
    const top = await me.mkdir(me.root, 'ranges');
    await me.upload(top.id, 'a.txt', 'aaaa');
    const whole = await zipOf(`/folders/${top.id}/zip`);
    const size = whole.rawPayload.length;
    const bad = await zipOf(`/folders/${top.id}/zip`, { range: `bytes=${size}-` });
    expect(bad.statusCode).toBe(416);
    expect(errorCode(bad)).toBe('range_not_satisfiable');
    expect(bad.headers['content-range']).toBe(`bytes */${size}`);
    const stale = await zipOf(`/folders/${top.id}/zip`, { range: 'bytes=10-', 'if-range': '"zip-stale"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.equals(whole.rawPayload)).toBe(true);
    const dated = await zipOf(`/folders/${top.id}/zip`, {
      range: 'bytes=10-',
      'if-range': new Date().toUTCString(),
    });
    expect(dated.statusCode).toBe(200);
    const notModified = await zipOf(`/folders/${top.id}/zip`, {
      'if-none-match': whole.headers.etag as string,
    });
    expect(notModified.statusCode).toBe(304);
  });

  it('leaves out locked folders this session has not opened, and refuses to zip a closed one', async () => {
    const top = await me.mkdir(me.root, 'with-lock');
    await me.upload(top.id, 'open.txt', 'open');
    const vault = await me.mkdir(top.id, 'vault');
    await me.upload(vault.id, 'secret.txt', 'secret');
    expect(
      (await me.request('POST', `/folders/${vault.id}/lock`, { password: 'vault-password' })).statusCode,
    ).toBe(201);
    expect((await me.request('POST', `/folders/${vault.id}/relock`)).statusCode).toBe(200);
    const closed = await zipOf(`/folders/${top.id}/zip`);
    expect(unzipNames(await saved('closed.zip', closed.rawPayload))).toEqual(['open.txt']);
    expect((await zipOf(`/folders/${vault.id}/zip`)).statusCode).toBe(423);
    expect(
      (await me.request('POST', `/folders/${vault.id}/unlock`, { password: 'vault-password' })).statusCode,
    ).toBe(200);
    const opened = await zipOf(`/folders/${top.id}/zip`);
    expect(unzipNames(await saved('opened.zip', opened.rawPayload))).toEqual([
      'open.txt',
      'vault/',
      'vault/secret.txt',
    ]);
  });
  it('reads a batch-uploaded folder a batch of entries per two queries and a run of pack neighbours per get', async () => {
    const top = await me.mkdir(me.root, 'many-small');
    // Uploaded in number order, so in the pack f2 lies next to f1 but is far from it in name order.
    const files = Array.from({ length: 400 }, (_, i) => ({ path: `f${i}.bin`, data: randomBytes(2000) }));
    for (let i = 0; i < files.length; i += 200) await me.batch(top.id, files.slice(i, i + 200));
    const versions = t.drive.repos.versions;
    const queries = [
      vi.spyOn(versions, 'findById'),
      vi.spyOn(versions, 'chunks'),
      vi.spyOn(versions, 'findMany'),
      vi.spyOn(versions, 'chunksOfMany'),
    ];
    const gets = vi.spyOn(t.drive.stores.get('local'), 'get');
    try {
      const res = await zipOf(`/folders/${top.id}/zip`);
      expect(res.statusCode, res.body).toBe(200);
      const report = pythonZipReport(await saved('many-small.zip', res.rawPayload), true);
      expect(report.bad).toBeNull();
      const bytes = new Map(files.map((f) => [f.path, sha256(f.data)]));
      expect(report.entries).toHaveLength(400);
      for (const e of report.entries) expect(e.sha256, e.name).toBe(bytes.get(e.name));
      // One file (the first) is read on its own; the rest come a batch (at most 256) at a time.
      const calls = queries.map((q) => q.mock.calls.length);
      expect(calls[0]! + calls[1]! + calls[2]! + calls[3]!).toBeLessThanOrEqual(2 + 2 * 6);
      // Two packs; a batch finds a few runs of neighbours in each, never one get per file.
      expect(gets.mock.calls.length).toBeLessThan(40);
    } finally {
      for (const q of [...queries, gets]) q.mockRestore();
    }
  }, 120_000);

  it('cuts the archive short at a packed file with a damaged byte, after the intact entries before it', async () => {
    const top = await me.mkdir(me.root, 'damaged-pack');
    const files = Array.from({ length: 120 }, (_, i) => ({
      path: `f${String(i).padStart(3, '0')}.bin`,
      data: randomBytes(3000),
    }));
    await me.batch(top.id, files);
    const intact = (await zipOf(`/folders/${top.id}/zip`)).rawPayload;

    const victim = (await me.list(top.id)).items.find((i) => i.name === 'f100.bin')!;
    const versionId = (await t.drive.repos.items.findById(victim.id))!.version_id!;
    const [chunk] = await t.drive.repos.versions.chunks(versionId);
    const packPath = path.join(t.dataDir, 'chunks', chunk!.locator!.slice(0, 2), chunk!.locator!);
    const pack = await readFile(packPath);
    pack[chunk!.pack_offset! + 500]! ^= 0x01;
    await writeFile(packPath, pack);

    const cut = await download(`${baseUrl}/folders/${top.id}/zip`, { authorization: `Bearer ${me.token}` });
    expect(cut.status).toBe(200);
    expect(cut.complete).toBe(false);
    // Everything before f100's bytes is the intact archive, less at most what was gathered for one
    // socket write (256 KiB); none of f100's bytes, right or wrong, goes out.
    const victimHeader = intact.indexOf(Buffer.from('f100.bin'));
    expect(cut.bytes).toBeLessThan(victimHeader + 100);
    expect(cut.bytes).toBeGreaterThan(victimHeader - 256 * 1024 - 3100);
    expect(cut.body!.equals(intact.subarray(0, cut.bytes))).toBe(true);
  }, 120_000);
});
