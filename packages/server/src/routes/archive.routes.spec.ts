import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArchiveEntry, ArchiveListing, Item } from '@idrive/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download } from '../../test/helpers/download.js';
import { newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { python } from '../../test/helpers/zip-check.js';
import type { ByteRange, ChunkStore } from '../storage/chunk-store.js';
import { LocalDiskStore } from '../storage/local-disk.store.js';

/**
 * Builds test archives with Python's zipfile, then bends them where a hostile archive would: names,
 * flags, sizes, CRCs and offsets patched in the local and central headers.
 */
const BUILD = String.raw`
import os, random, struct, sys, zipfile
out, kind = sys.argv[1], sys.argv[2]
rnd = random.Random(7)
def noise(n): return rnd.randbytes(n)
def text(n): return (b'the quick brown fox jumps over the lazy dog\n' * (n // 44 + 1))[:n]

def add(z, name, data, method=zipfile.ZIP_DEFLATED, zip64=False):
    info = zipfile.ZipInfo(name, (2024, 5, 17, 12, 30, 42))
    info.compress_type = method
    with z.open(info, 'w', force_zip64=zip64) as f:
        f.write(data)

def headers(data, name, sig, name_at):
    raw = name.encode('utf-8')
    found, at = [], 0
    while True:
        at = data.find(sig, at)
        if at < 0: return found
        n = struct.unpack_from('<H', data, at + 28 if sig == b'PK\x01\x02' else at + 26)[0]
        if data[at + name_at:at + name_at + n] == raw: found.append(at)
        at += 4

def patch(data, name, local=None, central=None):
    for at in headers(data, name, b'PK\x03\x04', 30):
        for off, fmt, value in (local or []): struct.pack_into(fmt, data, at + off, value)
    for at in headers(data, name, b'PK\x01\x02', 46):
        for off, fmt, value in (central or []): struct.pack_into(fmt, data, at + off, value)

def central_offset(data, name):
    at = headers(data, name, b'PK\x01\x02', 46)[0]
    return struct.unpack_from('<I', data, at + 42)[0]

with zipfile.ZipFile(out, 'w') as z:
    if kind == 'plain':
        add(z, 'docs/', b'', zipfile.ZIP_STORED)
        add(z, 'docs/readme.txt', text(5000))
        add(z, 'data/blob.bin', noise(300000), zipfile.ZIP_STORED)
        add(z, 'żółć/日本語.txt', 'zażółć gęślą jaźń 日本語\n'.encode('utf-8'))
        add(z, 'empty.txt', b'')
        add(z, 'big.txt', text(6 * 1024 * 1024))
    elif kind == 'zip64':
        # Every size, offset and count past this is written the zip64 way, as gigabytes would be.
        zipfile.ZIP64_LIMIT = 1000
        add(z, 'a.txt', text(5000), zip64=True)
        add(z, 'stored64.bin', noise(5000), zipfile.ZIP_STORED, zip64=True)
        for i in range(70000): add(z, 'many/%d' % i, b'', zipfile.ZIP_STORED)
    elif kind == 'hostile':
        add(z, 'ok.txt', text(2000))
        for name in ['../evil.txt', '/abs.txt', 'C:/win.txt', 'back\\slash.txt', 'ctlQ-ż.txt', 'nulQ-ż.txt']:
            add(z, name, b'payload')
        add(z, 'enc.txt', text(100))
        add(z, 'more.txt', text(50000))
        add(z, 'less.txt', text(50000))
        add(z, 'stored-lie.bin', noise(100), zipfile.ZIP_STORED)
        add(z, 'method.txt', text(100))
        add(z, 'crc.txt', text(100))
        add(z, 'same-a.txt', text(100))
        add(z, 'same-b.txt', text(100))
        add(z, 'after.txt', text(100))
    elif kind == 'big-lie':
        add(z, 'big-lie.txt', text(6 * 1024 * 1024))
    elif kind == 'bad-cd':
        add(z, 'a.txt', text(100))
    elif kind == 'large':
        for i in range(20):
            add(z, 'part-%02d.bin' % i, noise(2500000), zipfile.ZIP_STORED)
            if i == 10: add(z, 'small.txt', text(10000))

if kind == 'garbage':
    open(out, 'wb').write(noise(100000))
    sys.exit(0)
data = bytearray(open(out, 'rb').read())
if kind == 'hostile':
    # UTF-8 names (flag bit 11) keep control bytes; in CP437 names they are glyphs (0x01 is ☺).
    for name, byte in ((b'ctlQ', 1), (b'nulQ', 0)):
        at = data.find(name)
        while at >= 0:
            data[at + 3] = byte
            at = data.find(name, at + 1)
    patch(data, 'enc.txt', local=[(6, '<H', 1)], central=[(8, '<H', 1)])
    patch(data, 'more.txt', local=[(22, '<I', 1000)], central=[(24, '<I', 1000)])
    patch(data, 'less.txt', local=[(22, '<I', 60000)], central=[(24, '<I', 60000)])
    patch(data, 'stored-lie.bin', central=[(20, '<I', 50)])
    patch(data, 'method.txt', local=[(8, '<H', 12)], central=[(10, '<H', 12)])
    patch(data, 'crc.txt', central=[(16, '<I', 0xdeadbeef)])
    patch(data, 'same-b.txt', central=[(42, '<I', central_offset(data, 'same-a.txt'))])
elif kind == 'big-lie':
    patch(data, 'big-lie.txt', local=[(22, '<I', 5 * 1024 * 1024)], central=[(24, '<I', 5 * 1024 * 1024)])
elif kind == 'bad-cd':
    at = data.find(b'PK\x01\x02')
    data[at:at + 4] = b'PK\x09\x09'
open(out, 'wb').write(bytes(data))
`;

/** The local store, counting the stored bytes that reads fetch. */
class CountingStore implements ChunkStore {
  readonly name = 'local';
  bytesFetched = 0;
  constructor(private readonly inner: LocalDiskStore) {}
  get limits() {
    return this.inner.limits;
  }
  put(key: string, data: Buffer): Promise<string> {
    return this.inner.put(key, data);
  }
  async get(locator: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    const bytes = await this.inner.get(locator, range, into);
    this.bytesFetched += bytes.length;
    return bytes;
  }
  delete(locator: string): Promise<void> {
    return this.inner.delete(locator);
  }
}

describeEachDb('archive viewer', (dialect) => {
  let t: TestApp;
  let store: CountingStore;
  let me: DriveClient & { root: string; userId: string };
  let dir: string;
  let baseUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-archive-'));
    store = new CountingStore(new LocalDiskStore(path.join(dir, 'chunks')));
    t = await startTestApp({ dialect, overrides: { stores: [store], writeTo: 'local' } });
    me = await newDriveUser(t);
    baseUrl = `${await t.drive.app.listen({ host: '127.0.0.1', port: 0 })}/api/v1`;
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const archives = new Map<string, { item: Item; bytes: Buffer }>();
  /** Builds an archive of a kind once, stores it, and reads it back with Python for the expected bytes. */
  async function stored(kind: string): Promise<Item> {
    const known = archives.get(kind);
    if (known) return known.item;
    const file = path.join(dir, `${kind}.zip`);
    python(BUILD, [file, kind]);
    const bytes = await readFile(file);
    const item = await me.upload(me.root, `${kind}.zip`, bytes);
    archives.set(kind, { item, bytes });
    return item;
  }

  /** An entry's bytes as Python's zipfile extracts them (for archives it can read). */
  function pythonEntry(kind: string, name: string): Buffer {
    const hex = python('import sys, zipfile\nprint(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).hex())', [
      path.join(dir, `${kind}.zip`),
      name,
    ]);
    return Buffer.from(hex.trim(), 'hex');
  }

  async function listing(item: Item, query = ''): Promise<ArchiveListing> {
    const res = await me.request('GET', `/files/${item.id}/archive${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ArchiveListing>();
  }

  const entryUrl = (item: Item, query: string) => `/files/${item.id}/archive/entry?${query}`;
  const byPath = (item: Item, name: string) =>
    me.request('GET', entryUrl(item, `path=${encodeURIComponent(name)}`));

  describe('readable archives', () => {
    it('lists STORE and DEFLATE entries with their sizes, methods, times and flags', async () => {
      const item = await stored('plain');
      const list = await listing(item);
      expect(list.total).toBe(6);
      expect(list.truncated).toBe(false);
      const byName = new Map(list.entries.map((e) => [e.path, e]));
      expect(byName.get('docs/')).toMatchObject({ directory: true, safe: true });
      expect(byName.get('docs/readme.txt')).toMatchObject<Partial<ArchiveEntry>>({
        index: 1,
        size: 5000,
        method: 'deflate',
        methodId: 8,
        encrypted: false,
        safe: true,
        directory: false,
        modifiedAt: '2024-05-17T12:30:42.000Z',
      });
      expect(byName.get('docs/readme.txt')!.compressedSize).toBeLessThan(5000);
      expect(byName.get('data/blob.bin')).toMatchObject({
        size: 300000,
        compressedSize: 300000,
        method: 'store',
      });
      expect(byName.get('żółć/日本語.txt')?.safe).toBe(true);
    });

    it('extracts entries by path or index with the bytes Python extracts, typed by their names', async () => {
      const item = await stored('plain');
      for (const name of ['docs/readme.txt', 'data/blob.bin', 'żółć/日本語.txt', 'empty.txt']) {
        const res = await byPath(item, name);
        expect(res.statusCode, `${name}: ${res.body}`).toBe(200);
        expect(res.rawPayload.equals(pythonEntry('plain', name)), name).toBe(true);
        expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
      }
      const readme = await me.request('GET', entryUrl(item, 'index=1&disposition=attachment'));
      expect(readme.headers['content-type']).toMatch(/^text\/plain/);
      expect(readme.headers['content-disposition']).toBe(
        'attachment; filename="readme.txt"; filename*=UTF-8\'\'readme.txt',
      );
      expect(readme.headers['x-content-type-options']).toBe('nosniff');
      expect(readme.rawPayload.equals(pythonEntry('plain', 'docs/readme.txt'))).toBe(true);
      const inline = await byPath(item, 'żółć/日本語.txt');
      expect(inline.headers['content-disposition']).toMatch(/^inline; /);
    });

    it('streams an entry larger than it checks up front, inflating on the fly', async () => {
      const item = await stored('plain');
      const got = await download(`${baseUrl}${entryUrl(item, 'path=big.txt')}`, {
        authorization: `Bearer ${me.token}`,
      });
      expect(got.status).toBe(200);
      expect(got.complete).toBe(true);
      expect(got.bytes).toBe(6 * 1024 * 1024);
      expect(got.body!.equals(pythonEntry('plain', 'big.txt'))).toBe(true);
    });

    it('lists and extracts a zip64 archive (zip64 extra fields, more than 65,535 entries)', async () => {
      const item = await stored('zip64');
      const list = await listing(item);
      expect(list.total).toBe(70_002);
      const last = await listing(item, '?offset=70000');
      expect(last.entries.map((e) => e.path)).toEqual(['many/69998', 'many/69999']);
      for (const name of ['a.txt', 'stored64.bin']) {
        const res = await byPath(item, name);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.rawPayload.equals(pythonEntry('zip64', name))).toBe(true);
      }
      const lastEntry = await me.request('GET', entryUrl(item, 'index=70001'));
      expect(lastEntry.statusCode).toBe(200);
      expect(lastEntry.rawPayload.length).toBe(0);
    });

    it('reads only the central directory and the entry asked for from a large stored zip', async () => {
      const item = await stored('large');
      const size = archives.get('large')!.bytes.length;
      expect(size).toBeGreaterThan(50_000_000);
      store.bytesFetched = 0;
      const list = await listing(item);
      expect(list.total).toBe(21);
      const forListing = store.bytesFetched;
      store.bytesFetched = 0;
      const res = await byPath(item, 'small.txt');
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(pythonEntry('large', 'small.txt'))).toBe(true);
      const forEntry = store.bytesFetched;
      expect(forListing).toBeLessThan(2.5 * 1024 * 1024);
      expect(forEntry).toBeLessThan(4 * 1024 * 1024);
      expect(forEntry).toBeLessThan(size / 10);
    });
  });

  describe('hostile and broken archives', () => {
    it('lists unsafe names with the reason and refuses to extract them', async () => {
      const item = await stored('hostile');
      const list = await listing(item);
      const reasons = Object.fromEntries(list.entries.map((e) => [e.path, e.safe ? null : e.unsafeReason]));
      expect(reasons).toMatchObject({
        'ok.txt': null,
        '../evil.txt': 'parent_reference',
        '/abs.txt': 'absolute_path',
        'C:/win.txt': 'drive_letter',
        'back\\slash.txt': 'backslash',
        'ctl\u0001-ż.txt': 'control_character',
        'nul\u0000-ż.txt': 'control_character',
        'same-a.txt': 'overlapping',
        'same-b.txt': 'overlapping',
        'after.txt': null,
      });
      for (const name of ['../evil.txt', '/abs.txt', 'C:/win.txt', 'back\\slash.txt', 'ctl\u0001-ż.txt']) {
        const res = await byPath(item, name);
        expect(res.statusCode, name).toBe(422);
        expect(errorCode(res)).toBe('bad_archive');
        expect(res.json<{ error: { details: { reason: string } } }>().error.details.reason).toBe(
          'unsafe_name',
        );
      }
      const ok = await byPath(item, 'ok.txt');
      expect(ok.statusCode).toBe(200);
      expect(ok.rawPayload.equals(pythonEntry('hostile', 'ok.txt'))).toBe(true);
    });

    it('refuses encrypted, lying, overlapping, unsupported and damaged entries with the reason', async () => {
      const item = await stored('hostile');
      const list = await listing(item);
      expect(list.entries.find((e) => e.path === 'enc.txt')).toMatchObject({ encrypted: true });
      expect(list.entries.find((e) => e.path === 'method.txt')).toMatchObject({
        method: 'other',
        methodId: 12,
      });
      const expected: Record<string, string> = {
        'enc.txt': 'encrypted',
        'more.txt': 'size_mismatch',
        'less.txt': 'size_mismatch',
        'stored-lie.bin': 'size_mismatch',
        'method.txt': 'unsupported_method',
        'crc.txt': 'crc_mismatch',
        'same-b.txt': 'overlapping',
      };
      for (const [name, reason] of Object.entries(expected)) {
        const res = await byPath(item, name);
        expect(res.statusCode, `${name}: ${res.body}`).toBe(422);
        expect(errorCode(res)).toBe('bad_archive');
        expect(res.json<{ error: { details: { reason: string } } }>().error.details.reason, name).toBe(
          reason,
        );
      }
    });

    it('stops a large entry that inflates past its declared size without ever sending more', async () => {
      const item = await stored('big-lie');
      const declared = 5 * 1024 * 1024;
      const got = await download(`${baseUrl}${entryUrl(item, 'index=0')}`, {
        authorization: `Bearer ${me.token}`,
      });
      expect(got.status).toBe(200);
      expect(Number(got.headers['content-length'])).toBe(declared);
      expect(got.complete).toBe(false);
      expect(got.bytes).toBeLessThan(declared);
    });

    it('answers 422 for garbage, an empty file and a damaged central directory', async () => {
      for (const [kind, reason] of [
        ['garbage', 'not_zip'],
        ['bad-cd', 'corrupt'],
      ] as const) {
        const res = await me.request('GET', `/files/${(await stored(kind)).id}/archive`);
        expect(res.statusCode, kind).toBe(422);
        expect(errorCode(res)).toBe('bad_archive');
        expect(res.json<{ error: { details: { reason: string } } }>().error.details.reason, kind).toBe(
          reason,
        );
        const entry = await me.request('GET', `/files/${(await stored(kind)).id}/archive/entry?index=0`);
        expect(entry.statusCode, kind).toBe(422);
      }
      const empty = await me.upload(me.root, 'empty.zip', Buffer.alloc(0));
      const res = await me.request('GET', `/files/${empty.id}/archive`);
      expect(res.statusCode).toBe(422);
      expect(res.json<{ error: { details: { reason: string } } }>().error.details.reason).toBe('not_zip');
    });

    it("answers 404 for a missing entry or another user's file, and 400 for bad queries and folders", async () => {
      const item = await stored('plain');
      const missing = await byPath(item, 'nope.txt');
      expect(missing.statusCode).toBe(404);
      expect((await me.request('GET', entryUrl(item, 'index=99'))).statusCode).toBe(404);
      expect((await byPath(item, 'docs/')).statusCode).toBe(400);
      for (const query of ['', 'index=-1', 'index=x', 'path=', 'path=a&index=1']) {
        const res = await me.request('GET', entryUrl(item, query));
        expect(res.statusCode, query).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
      }
      const folder = await me.mkdir(me.root, 'not-a-zip');
      expect((await me.request('GET', `/files/${folder.id}/archive`)).statusCode).toBe(400);
      const other = await newDriveUser(t);
      expect((await other.request('GET', `/files/${item.id}/archive`)).statusCode).toBe(404);
      expect((await other.request('GET', entryUrl(item, 'index=1'))).statusCode).toBe(404);
    });
  });
});
