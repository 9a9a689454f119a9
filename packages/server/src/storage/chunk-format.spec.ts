import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SEGMENT_SIZE } from '@idrive/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_TRAILER_SIZE, openChunkHeader, readFooter, TRAILER_KIND } from './chunk-format.js';
import { readPlaintext, type StoredChunkRef } from './chunk-reader.js';
import type { ByteRange } from './chunk-store.js';
import { ChunkWriter } from './chunk-writer.js';
import { CipherPool } from './cipher-pool.js';
import { DriveKeys } from './drive-keys.js';
import { IntegrityError } from './errors.js';
import { identifyStored, type StoredObject } from './identify.js';
import { LocalDiskStore } from './local-disk.store.js';
import { MasterKey } from './master-key.js';
import { PACK_ENTRY_SIZE, PACK_TRAILER_BASE, type PackEntry } from './pack-trailer.js';
import { SegmentCipher, sealedSize } from './segment-cipher.js';

const CHUNK = 4 * SEGMENT_SIZE;
const SIZE = 3 * CHUNK + 5;
const master = new MasterKey(randomBytes(32));
const keys = new DriveKeys(master, randomUUID());
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'idrive-format-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Written {
  store: LocalDiskStore;
  dir: string;
  cipher: SegmentCipher;
  chunks: StoredChunkRef[];
  source: Buffer;
}

/** Writes `source` as a new version of `cipher` (of `keys`' drive unless given) to a store of its own. */
async function write(source: Buffer, pool: CipherPool, cipher = keys.create(randomUUID()).cipher) {
  const dir = path.join(root, randomUUID());
  const store = new LocalDiskStore(dir);
  const chunks: StoredChunkRef[] = [];
  const session = pool.session(true);
  const writer = new ChunkWriter({
    store,
    cipher,
    session,
    chunkSize: CHUNK,
    totalSize: source.length,
    beforePut: async () => {},
    afterPut: async (c) => {
      chunks.push({ index: c.index, store: store.name, locator: c.locator, plainSize: c.plainSize });
    },
  });
  await writer.write(source);
  await writer.finish();
  expect(await session.digest()).toBe(sha256(source));
  chunks.sort((a, b) => a.index - b.index);
  return { store, dir, cipher, chunks, source } satisfies Written;
}

/** Buffer.equals: vitest's deep equality walks a Buffer byte by byte, which takes seconds per MiB. */
function expectBytes(got: unknown, want: Buffer): void {
  expect(got instanceof Error ? got : Buffer.isBuffer(got) && got.equals(want)).toBe(true);
}

const fileOf = (w: Written, k: number) =>
  path.join(w.dir, w.chunks[k]!.locator.slice(0, 2), w.chunks[k]!.locator);

/** Plaintext [start, end) of `w` as its records say (`cipher` to read it with another one), or the error. */
async function read(w: Written, pool: CipherPool, start = 0, end = w.source.length, cipher = w.cipher) {
  const pieces: Buffer[] = [];
  try {
    for await (const piece of readPlaintext({
      stores: () => w.store,
      cipher,
      session: pool.session(false),
      chunkSize: CHUNK,
      size: w.source.length,
      chunks: w.chunks,
      sha256: sha256(w.source),
      start,
      end,
    })) {
      pieces.push(Buffer.from(piece));
    }
  } catch (err) {
    return err;
  }
  return Buffer.concat(pieces);
}

for (const threads of [0, 1]) {
  describe(`format-2 chunks, sealed and opened with ${threads} cipher thread(s)`, () => {
    const pool = new CipherPool(threads);
    afterAll(() => pool.close());

    it('are their sealed segments and then a 229-byte trailer whose header names each one', async () => {
      const w = await write(randomBytes(SIZE), pool);
      for (const [k, chunk] of w.chunks.entries()) {
        const bytes = await readFile(fileOf(w, k));
        expect(bytes.length).toBe(sealedSize(chunk.plainSize) + CHUNK_TRAILER_SIZE);
        const trailer = bytes.subarray(bytes.length - CHUNK_TRAILER_SIZE);
        expect(readFooter(trailer)).toEqual({ length: 229, version: 2, kind: TRAILER_KIND.chunk });
        expect(trailer.subarray(-8).toString('latin1')).toBe('IDRVTAIL');
        // The header's nonce is out of the segments' domain, whose first byte is always 0.
        expect(trailer[96]).toBe(0x01);
        const final = k === 3 ? { chunks: 4, fileSize: SIZE, sha256: sha256(w.source) } : null;
        expect(openChunkHeader(w.cipher.dataKey, trailer)).toEqual({
          driveId: keys.driveId,
          versionId: w.cipher.versionId,
          index: k,
          chunkSize: CHUNK,
          plainSize: chunk.plainSize,
          final,
        });
      }
      expectBytes(await read(w, pool), w.source);
    });

    it("refuse a read whole when a chunk is another file's, or this file's at another index", async () => {
      const a = await write(randomBytes(SIZE), pool);
      const b = await write(randomBytes(SIZE), pool);
      await writeFile(fileOf(a, 1), await readFile(fileOf(b, 1)));
      const moved = await read(a, pool);
      expect(moved).toBeInstanceOf(IntegrityError);
      expect((moved as Error).message).toMatch(`Chunk 1 holds chunk 1 of version ${b.cipher.versionId}`);
      // Part of the chunk reads only segments, which its key and associated data refuse as well.
      expect(await read(a, pool, CHUNK + 10, CHUNK + 20)).toBeInstanceOf(IntegrityError);
      expectBytes(await read(a, pool, 0, CHUNK), a.source.subarray(0, CHUNK));

      await writeFile(fileOf(a, 2), await readFile(fileOf(a, 0)));
      const shifted = await read(a, pool, 2 * CHUNK, 3 * CHUNK);
      expect((shifted as Error).message).toMatch(`Chunk 2 holds chunk 0 of version ${a.cipher.versionId}`);
    });

    it('refuse a chunk of another drive under the same master key, whose wrapped key does not unwrap here', async () => {
      // The same version under the same data key in two drives: a copied database, say.
      const [key, versionId, other] = [randomBytes(32), randomUUID(), randomUUID()];
      const wrappedThere = master.wrap(key, versionId, other);
      const there = new SegmentCipher(key, versionId, { driveId: other, wrappedKey: wrappedThere });
      const w = await write(randomBytes(SIZE), pool, there);
      const here = new SegmentCipher(key, versionId, { driveId: keys.driveId, wrappedKey: wrappedThere });
      const whole = await read(w, pool, 0, SIZE, here);
      expect(whole).toBeInstanceOf(IntegrityError);
      expect((whole as Error).message).toMatch(/Chunk 0 belongs to another drive/);
      expect(await read(w, pool, 5, 6, here)).toBeInstanceOf(IntegrityError);
      expect(() =>
        keys.open({ id: versionId, format: 2, wrapped_key: wrappedThere.toString('base64') }),
      ).toThrow(IntegrityError);
      expect(() => master.unwrap(wrappedThere, randomUUID(), other)).toThrow(IntegrityError);
      expect(() => master.unwrap(wrappedThere, versionId)).toThrow(IntegrityError);
      expect(master.unwrap(wrappedThere, versionId, other).equals(key)).toBe(true);
    });

    it('refuse a read of every segment when the trailer is cut off or altered; fewer segments never see it', async () => {
      const w = await write(randomBytes(SIZE), pool);
      await truncate(fileOf(w, 0), sealedSize(CHUNK));
      expect(await read(w, pool, 0, CHUNK)).toBeInstanceOf(IntegrityError);
      // A range that leaves out a segment of the chunk fetches segments only.
      expectBytes(await read(w, pool, 1, CHUNK - SEGMENT_SIZE), w.source.subarray(1, CHUNK - SEGMENT_SIZE));

      const trailerAt = sealedSize(CHUNK);
      const alter = async (k: number, at: number) => {
        const bytes = await readFile(fileOf(w, k));
        bytes[trailerAt + at]! ^= 0x04;
        await writeFile(fileOf(w, k), bytes);
      };
      await alter(1, 150);
      expect(((await read(w, pool, CHUNK, 2 * CHUNK)) as Error).message).toMatch(
        /header of chunk 1 does not open/,
      );
      await alter(2, 40);
      expect(((await read(w, pool, 2 * CHUNK, 3 * CHUNK)) as Error).message).toMatch(/another key/);
      expect(await read(w, pool, CHUNK + 1, 3 * CHUNK - 1)).toBeInstanceOf(IntegrityError);
      expectBytes(await read(w, pool, 3 * CHUNK, SIZE), w.source.subarray(3 * CHUNK));
    });

    it('need the final chunk sealed in a session that hashed the whole file', async () => {
      const store = new LocalDiskStore(path.join(root, randomUUID()));
      const options = { store, chunkSize: CHUNK, beforePut: async () => {}, afterPut: async () => {} };
      const unhashed = new ChunkWriter({
        ...options,
        cipher: keys.create(randomUUID()).cipher,
        session: pool.session(false),
      });
      await unhashed.write(randomBytes(10));
      await expect(unhashed.finish()).rejects.toThrow(/hashed/);
      const resumed = new ChunkWriter({
        ...options,
        cipher: keys.create(randomUUID()).cipher,
        session: pool.session(true),
        firstChunkIndex: 1,
        totalSize: CHUNK + 10,
      });
      await resumed.write(randomBytes(10));
      await expect(resumed.finish()).rejects.toThrow(/hashed the 1 chunks before it/);
    });
  });
}

describe('format-2 chunk size limit', () => {
  it('refuses a chunk size whose sealed segments fit the store but not with the trailer', () => {
    const store = new LocalDiskStore(path.join(os.tmpdir(), 'unused'), sealedSize(CHUNK));
    const options = { store, chunkSize: CHUNK, beforePut: async () => {}, afterPut: async () => {} };
    expect(() => new ChunkWriter({ ...options, cipher: keys.create(randomUUID()).cipher })).toThrow(
      `A ${CHUNK}-byte chunk is stored as ${sealedSize(CHUNK) + 229} bytes`,
    );
    expect(
      () => new ChunkWriter({ ...options, cipher: new SegmentCipher(randomBytes(32), randomUUID()) }),
    ).not.toThrow();
  });
});

/** A stored object read by ranges, each read counted. */
function ranged(bytes: Buffer): StoredObject & { reads: ByteRange[] } {
  const reads: ByteRange[] = [];
  return {
    size: bytes.length,
    reads,
    read: async (range) => {
      reads.push(range);
      return Buffer.from(bytes.subarray(range.start, range.end));
    },
  };
}

/** Small files sealed under their own keys, back to back, as a batch packs them, with the pack's trailer. */
function pack(sizes: number[], formats: (1 | 2)[] = sizes.map(() => 2)) {
  const packId = randomUUID();
  const sealed: Buffer[] = [];
  const entries: PackEntry[] = [];
  let offset = 0;
  sizes.forEach((size, i) => {
    const plain = randomBytes(size);
    const versionId = randomUUID();
    let cipher: SegmentCipher;
    let wrappedKey: Buffer;
    if (formats[i] === 2) {
      ({ cipher, wrappedKey } = keys.create(versionId));
    } else {
      const key = randomBytes(32);
      [cipher, wrappedKey] = [new SegmentCipher(key, versionId), master.wrap(key, versionId)];
    }
    const bytes = cipher.sealSegments(0, plain, true);
    entries.push({
      versionId,
      format: formats[i]!,
      offset,
      sealedSize: bytes.length,
      plainSize: size,
      wrappedKey,
      sha256: sha256(plain),
    });
    sealed.push(bytes);
    offset += bytes.length;
  });
  return {
    packId,
    entries,
    object: Buffer.concat([...sealed, keys.packTrailer(packId, entries)]),
    sealedBytes: offset,
  };
}

describe('identifyStored', () => {
  const pool = new CipherPool(0);

  it('recovers every header field of every chunk from its bytes and the master key alone, in one read', async () => {
    const w = await write(randomBytes(SIZE), pool);
    for (const [k, chunk] of w.chunks.entries()) {
      const bytes = await readFile(fileOf(w, k));
      expect((await stat(fileOf(w, k))).size).toBe(bytes.length);
      const object = ranged(bytes);
      const identity = await identifyStored(master, object, { verify: k === 3 });
      expect(identity).toEqual({
        kind: 'chunk',
        driveId: keys.driveId,
        versionId: w.cipher.versionId,
        index: k,
        chunkSize: CHUNK,
        plainSize: chunk.plainSize,
        final: k === 3 ? { chunks: 4, fileSize: SIZE, sha256: sha256(w.source) } : null,
        wrappedKey: w.cipher.binding!.wrappedKey,
      });
      // The last bytes, then (to verify) the segments.
      expect(object.reads).toEqual([
        { start: Math.max(0, bytes.length - 65536), end: bytes.length },
        ...(k === 3 ? [{ start: 0, end: sealedSize(chunk.plainSize) }] : []),
      ]);
    }
  });

  it("lists a pack's files, of both formats, and with verify opens each and checks its SHA-256", async () => {
    const p = pack([0, 1, 70_000, 1000, 5], [2, 2, 2, 1, 2]);
    const identity = await identifyStored(master, p.object);
    expect(identity).toEqual({ kind: 'pack', driveId: keys.driveId, packId: p.packId, entries: p.entries });
    expect(await identifyStored(master, p.object, { verify: true })).toEqual(identity);

    const damaged = Buffer.from(p.object);
    damaged[p.entries[2]!.offset + 300]! ^= 0x10;
    const checked = await identifyStored(master, damaged, { verify: true });
    expect(checked.kind === 'pack' && checked.entries.map((e) => e.damage !== undefined)).toEqual([
      false,
      false,
      true,
      false,
      false,
    ]);
  });

  it('reads a long pack trailer with a second ranged read', async () => {
    const p = pack(Array.from({ length: 600 }, (_, i) => i));
    const object = ranged(p.object);
    const identity = await identifyStored(master, object);
    expect(identity.kind === 'pack' && identity.entries).toEqual(p.entries);
    const trailer = PACK_TRAILER_BASE + 600 * PACK_ENTRY_SIZE;
    expect(trailer).toBeGreaterThan(65536);
    expect(object.reads.at(-1)).toEqual({ start: p.object.length - trailer, end: p.object.length });
  });

  it('tells a format-1 chunk or a stranger apart from a damaged trailer or another master key', async () => {
    const w = await write(randomBytes(SIZE), pool);
    const chunk = await readFile(fileOf(w, 3));
    const formatOne = new SegmentCipher(randomBytes(32), randomUUID()).sealSegments(
      0,
      randomBytes(100),
      true,
    );
    expect((await identifyStored(master, formatOne)).kind).toBe('foreign');
    expect((await identifyStored(master, Buffer.alloc(0))).kind).toBe('foreign');
    expect((await identifyStored(new MasterKey(randomBytes(32)), chunk)).kind).toBe('damaged');
    const p = pack([10, 20]);
    expect((await identifyStored(new MasterKey(randomBytes(32)), p.object)).kind).toBe('damaged');

    const header = Buffer.from(chunk);
    header[header.length - 50]! ^= 1;
    expect(await identifyStored(master, header)).toMatchObject({
      kind: 'damaged',
      reason: /header of chunk 3/,
    });
    const segment = Buffer.from(chunk);
    segment[3]! ^= 1;
    expect((await identifyStored(master, segment)).kind).toBe('chunk');
    expect(await identifyStored(master, segment, { verify: true })).toMatchObject({
      kind: 'damaged',
      reason: /chunk 3, segment 12/,
    });
    const cut = chunk.subarray(100);
    expect(await identifyStored(master, cut)).toMatchObject({ kind: 'damaged', reason: /sealed bytes/ });
  });
});
