import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SEGMENT_SIZE } from '@idrive/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChunkHeader, trailerSize } from './chunk-format.js';
import { readPlaintext, type CopySource, type StoredChunkRef } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { CipherPool } from './cipher-pool.js';
import { ChunkMissingError, IntegrityError } from './errors.js';
import { LocalDiskStore } from './local-disk.store.js';
import { MasterKey } from './master-key.js';
import { SegmentCipher } from './segment-cipher.js';

const CHUNK = 4 * SEGMENT_SIZE;
const SEALED_SEGMENT = SEGMENT_SIZE + 16;
const MASTER = new MasterKey(randomBytes(32));
const DRIVE = randomUUID();
const INLINE = new CipherPool(0);

/** A version's cipher: format 1 (no drive) or format 2 (bound to DRIVE, writing trailers). */
function cipherOf(format: 1 | 2, key = randomBytes(32), versionId: string = randomUUID()): SegmentCipher {
  if (format === 1) return new SegmentCipher(key, versionId);
  return new SegmentCipher(key, versionId, {
    driveId: DRIVE,
    wrappedKey: MASTER.wrap(key, versionId, DRIVE),
  });
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'idrive-pipeline-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A small deterministic PRNG, so a failing case can be replayed. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
}

interface Stored {
  dir: string;
  store: LocalDiskStore;
  cipher: SegmentCipher;
  chunks: StoredChunkRef[];
  size: number;
}

async function storeFile(
  source: Buffer,
  opts: { known: boolean; format: 1 | 2; seed?: number; cipher?: SegmentCipher; dir?: string },
): Promise<Stored> {
  const dir = opts.dir ?? path.join(root, randomUUID());
  const store = new LocalDiskStore(dir);
  const cipher = opts.cipher ?? cipherOf(opts.format);
  const chunks: StoredChunkRef[] = [];
  const writer = new ChunkWriter({
    store,
    cipher,
    chunkSize: CHUNK,
    totalSize: opts.known ? source.length : undefined,
    beforePut: async () => {},
    afterPut: async (c) => {
      chunks.push({ index: c.index, store: store.name, locator: c.locator, plainSize: c.plainSize });
    },
  });
  const random = prng(opts.seed ?? source.length);
  for (let pos = 0; pos < source.length;) {
    const n = 1 + Math.floor(random(Math.random() < 0.2 ? 3 * CHUNK : 5000));
    await writer.write(source.subarray(pos, pos + n));
    pos += n;
  }
  const { size, chunks: count } = await writer.finish();
  expect(size).toBe(source.length);
  expect(count).toBe(chunks.length);
  chunks.sort((a, b) => a.index - b.index);
  return { dir, store, cipher, chunks, size };
}

async function read(
  s: Stored,
  start: number,
  end: number,
  overrides: Partial<Parameters<typeof readPlaintext>[0]> = {},
) {
  const pieces: Buffer[] = [];
  for await (const piece of readPlaintext({
    stores: () => s.store,
    cipher: s.cipher,
    chunkSize: CHUNK,
    size: s.size,
    chunks: s.chunks,
    start,
    end,
    ...overrides,
  })) {
    pieces.push(piece);
  }
  return pieces;
}

/** Buffer.equals: vitest's deep equality walks a Buffer byte by byte, which takes seconds per MiB. */
function expectSame(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

const fileOf = (s: Stored, locator: string) => path.join(s.dir, locator.slice(0, 2), locator);

for (const format of [1, 2] as const) {
  describe(`ChunkWriter + LocalDiskStore + readPlaintext, format ${format}`, () => {
    const sizes = [
      0,
      1,
      SEGMENT_SIZE - 1,
      SEGMENT_SIZE,
      SEGMENT_SIZE + 1,
      CHUNK - 1,
      CHUNK,
      CHUNK + 1,
      3 * CHUNK + 5,
    ];
    for (const known of [true, false]) {
      for (const size of sizes) {
        it(`round-trips ${size} bytes (total size ${known ? 'known' : 'unknown'})`, async () => {
          const source = randomBytes(size);
          const s = await storeFile(source, { known, format });
          expect(s.chunks.map((c) => c.index)).toEqual([
            ...Array(Math.max(1, Math.ceil(size / CHUNK))).keys(),
          ]);
          const pieces = await read(s, 0, size);
          expectSame(Buffer.concat(pieces), source);
          expect(pieces.length).toBe(size === 0 ? 0 : s.chunks.length);
          expect(await read(s, 0, 0)).toEqual([]);
          expect(await read(s, size, size)).toEqual([]);
        });
      }
    }

    it('returns exactly the bytes of hundreds of ranges, one piece per chunk touched', async () => {
      const size = 3 * CHUNK + 5;
      const source = randomBytes(size);
      const s = await storeFile(source, { known: true, format });
      const random = prng(42);
      const ranges: [number, number][] = [
        [0, 1],
        [size - 1, size],
        [0, size],
        [SEGMENT_SIZE - 1, SEGMENT_SIZE + 1],
        [CHUNK - 1, CHUNK + 1],
        [CHUNK, 2 * CHUNK],
        [2 * CHUNK - 3, 3 * CHUNK + 2],
        [3 * CHUNK, size],
        [3 * CHUNK + 4, size],
      ];
      for (let i = 0; i < 300; i++) {
        const a = Math.floor(random(size + 1));
        const b = Math.floor(random(size + 1));
        ranges.push([Math.min(a, b), Math.max(a, b)]);
      }
      for (const [start, end] of ranges) {
        const pieces = await read(s, start, end, { readAhead: Math.floor(random(3)) });
        expect(Buffer.concat(pieces).equals(source.subarray(start, end)), `range ${start}-${end}`).toBe(true);
        const touched = start === end ? 0 : Math.floor((end - 1) / CHUNK) - Math.floor(start / CHUNK) + 1;
        expect(pieces.length).toBe(touched);
      }
    });

    it('returns exactly the bytes of every range that starts and ends at or beside a segment or chunk border', async () => {
      const size = 2 * CHUNK + SEGMENT_SIZE + 7;
      const source = randomBytes(size);
      const s = await storeFile(source, { known: true, format });
      const borders = [...Array(Math.floor(size / SEGMENT_SIZE) + 1).keys()].map((i) => i * SEGMENT_SIZE);
      const points = [...new Set([...borders, size].flatMap((b) => [b - 1, b, b + 1]))]
        .filter((p) => p >= 0 && p <= size)
        .sort((a, b) => a - b);
      for (const start of points) {
        for (const end of points.filter((p) => p > start)) {
          const got = Buffer.concat(await read(s, start, end));
          expect(got.equals(source.subarray(start, end)), `range ${start}-${end}`).toBe(true);
        }
      }
    });

    it('fetches only the sealed segments a range covers', async () => {
      const source = randomBytes(3 * CHUNK + 5);
      const s = await storeFile(source, { known: true, format });
      const asked: { start: number; end: number }[] = [];
      const spy = {
        ...s,
        store: Object.assign(Object.create(s.store) as LocalDiskStore, {
          get: (locator: string, range?: { start: number; end: number }) => {
            asked.push(range!);
            return s.store.get(locator, range);
          },
        }),
      };
      await read(spy, CHUNK + SEGMENT_SIZE + 10, CHUNK + 2 * SEGMENT_SIZE + 1);
      expect(asked).toEqual([{ start: SEALED_SEGMENT, end: 3 * SEALED_SEGMENT }]);
    });

    it('continues a paused upload in a new writer to the same stored result', async () => {
      const size = 3 * CHUNK + 5;
      const source = randomBytes(size);
      const key = randomBytes(32);
      const versionId = randomUUID();
      const whole = await storeFile(source, {
        known: true,
        format,
        cipher: cipherOf(format, key, versionId),
      });

      for (const known of [true, false]) {
        const dir = path.join(root, randomUUID());
        const store = new LocalDiskStore(dir);
        const cipher = cipherOf(format, key, versionId);
        const chunks: StoredChunkRef[] = [];
        // A writer that did not see the file from its first byte hashes what is stored before it
        // seals the final chunk, as an upload continued after a restart does.
        const rehash = async (bytes: number) => {
          const session = INLINE.session(true);
          const stored = [...chunks].sort((x, y) => x.index - y.index);
          const prefix = { stores: () => store, cipher, session, chunkSize: CHUNK, chunks: stored };
          let at = 0;
          for await (const piece of readPlaintext({
            ...prefix,
            size: bytes,
            start: 0,
            end: bytes,
            unfinished: true,
          })) {
            expectSame(piece, source.subarray(at, (at += piece.length)));
          }
          expect(session.hashedBytes).toBe(bytes);
          return session;
        };
        const make = (firstChunkIndex: number, pending: Buffer) =>
          new ChunkWriter({
            store,
            cipher,
            chunkSize: CHUNK,
            totalSize: known ? size : undefined,
            firstChunkIndex,
            pending,
            ...(firstChunkIndex > 0 ? { rehash } : {}),
            beforePut: async () => {},
            afterPut: async (c) => {
              chunks.push({ index: c.index, store: 'local', locator: c.locator, plainSize: c.plainSize });
            },
          });
        let writer = make(0, Buffer.alloc(0));
        let pos = 0;
        for (const cut of [CHUNK + 100, CHUNK + 200, 2 * CHUNK, 3 * CHUNK + 1]) {
          await writer.write(source.subarray(pos, cut));
          pos = cut;
          const tail = await writer.pause();
          const stored = chunks.reduce((sum, c) => sum + c.plainSize, 0);
          expectSame(Buffer.concat([source.subarray(0, stored), tail]), source.subarray(0, pos));
          writer = make(chunks.length, tail);
        }
        await writer.write(source.subarray(pos));
        expect(await writer.finish()).toEqual({ size, chunks: 4 });
        chunks.sort((a, b) => a.index - b.index);
        expect(chunks.map((c) => c.plainSize)).toEqual(whole.chunks.map((c) => c.plainSize));
        // The same segments, and (format 2) trailers saying the same; a header's nonce is random.
        const room = trailerSize(cipher);
        for (let k = 0; k < chunks.length; k++) {
          const mine = await readFile(path.join(dir, chunks[k]!.locator.slice(0, 2), chunks[k]!.locator));
          const theirs = await readFile(fileOf(whole, whole.chunks[k]!.locator));
          expectSame(mine.subarray(0, mine.length - room), theirs.subarray(0, theirs.length - room));
          if (room === 0) continue;
          const header = (bytes: Buffer) => openChunkHeader(key, bytes.subarray(bytes.length - room));
          expect(header(mine)).toEqual(header(theirs));
        }
        expectSame(Buffer.concat(await read({ ...whole, dir, store, cipher, chunks }, 0, size)), source);
      }
    });

    it('stores no plaintext', async () => {
      const marker = Buffer.from('IDRIVE-PLAINTEXT-MARKER-0123456789');
      const source = Buffer.alloc(3 * CHUNK + 5);
      for (let pos = 0; pos < source.length; pos += marker.length) marker.copy(source, pos);
      const s = await storeFile(source, { known: false, format });
      let files = 0;
      for (const entry of await readdir(s.dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        files++;
        const bytes = await readFile(path.join(entry.parentPath, entry.name));
        expect(bytes.includes(marker.subarray(0, 12))).toBe(false);
      }
      expect(files).toBe(4);
    });
  });

  describe(`readPlaintext refuses damaged data, format ${format}`, () => {
    const size = 3 * CHUNK + 5;
    let source: Buffer;
    let s: Stored;
    const fresh = async () => {
      source = randomBytes(size);
      s = await storeFile(source, { known: true, format });
    };

    /** Reads and returns the error, checking that every byte yielded before it was right. */
    async function readFailure(from: Stored, start = 0, end = size, overrides = {}): Promise<unknown> {
      let pos = start;
      try {
        for await (const piece of readPlaintext({
          stores: () => from.store,
          cipher: from.cipher,
          chunkSize: CHUNK,
          size: from.size,
          chunks: from.chunks,
          start,
          end,
          ...overrides,
        })) {
          expect(piece.equals(source.subarray(pos, pos + piece.length))).toBe(true);
          pos += piece.length;
        }
      } catch (err) {
        return err;
      }
      return null;
    }

    it('a flipped byte fails the reads that cover it, and only those', async () => {
      await fresh();
      const chunk = s.chunks[1]!;
      const file = fileOf(s, chunk.locator);
      const bytes = await readFile(file);
      const at = 2 * SEALED_SEGMENT + 1234;
      bytes[at]! ^= 0x20;
      await writeFile(file, bytes);
      const err = await readFailure(s);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).message).toMatch(/chunk 1, segment 6/);
      expect((err as IntegrityError).code).toBe('integrity_failed');
      const segmentStart = CHUNK + 2 * SEGMENT_SIZE;
      expect(await readFailure(s, segmentStart + 5, segmentStart + 6)).toBeInstanceOf(IntegrityError);
      expect(await readFailure(s, 0, segmentStart)).toBeNull();
      expect(await readFailure(s, segmentStart + SEGMENT_SIZE, size)).toBeNull();
    });

    it('swapped chunk files fail', async () => {
      await fresh();
      const a = fileOf(s, s.chunks[0]!.locator);
      const b = fileOf(s, s.chunks[1]!.locator);
      const [bytesA, bytesB] = [await readFile(a), await readFile(b)];
      await writeFile(a, bytesB);
      await writeFile(b, bytesA);
      expect(await readFailure(s)).toBeInstanceOf(IntegrityError);
      expect(await readFailure(s, CHUNK, CHUNK + 1)).toBeInstanceOf(IntegrityError);
    });

    it('swapped chunk records fail', async () => {
      await fresh();
      const chunks = s.chunks.map((c) => ({ ...c }));
      [chunks[0]!.locator, chunks[1]!.locator] = [chunks[1]!.locator, chunks[0]!.locator];
      expect(await readFailure({ ...s, chunks })).toBeInstanceOf(IntegrityError);
    });

    it('a dropped last chunk fails, even when the size is shrunk to match', async () => {
      await fresh();
      const fewer = s.chunks.slice(0, 3);
      expect(await readFailure({ ...s, chunks: fewer })).toBeInstanceOf(IntegrityError);
      // The attacker's best try: claim the file ended at a chunk boundary. Its last segment was sealed
      // as not final, so the read fails instead of returning a shorter file.
      expect(await readFailure({ ...s, chunks: fewer, size: 3 * CHUNK }, 0, 3 * CHUNK)).toBeInstanceOf(
        IntegrityError,
      );
      // Out-of-order or gapped records fail as well.
      const gapped = [s.chunks[0]!, s.chunks[2]!, s.chunks[2]!, s.chunks[3]!];
      expect(await readFailure({ ...s, chunks: gapped })).toBeInstanceOf(IntegrityError);
    });

    it('a truncated chunk fails', async () => {
      await fresh();
      await truncate(fileOf(s, s.chunks[2]!.locator), 3 * SEALED_SEGMENT + 100);
      expect(await readFailure(s)).toBeInstanceOf(IntegrityError);
      await truncate(fileOf(s, s.chunks[3]!.locator), 0);
      expect(await readFailure(s, 3 * CHUNK, size)).toBeInstanceOf(IntegrityError);
    });

    it("another version's cipher fails, even under the same data key", async () => {
      await fresh();
      expect(await readFailure(s, 0, size, { cipher: cipherOf(format) })).toBeInstanceOf(IntegrityError);
      const key = randomBytes(32);
      const mine = await storeFile(source, { known: true, format, cipher: cipherOf(format, key) });
      const other = cipherOf(format, key);
      expect(await readFailure(mine, 0, size, { cipher: other })).toBeInstanceOf(IntegrityError);
    });

    it('a deleted chunk file is ChunkMissingError', async () => {
      await fresh();
      await unlink(fileOf(s, s.chunks[1]!.locator));
      expect(await readFailure(s)).toBeInstanceOf(ChunkMissingError);
      expect(await readFailure(s, 0, CHUNK)).toBeNull();
    });

    it('reads another copy of a chunk that is gone or does not open, in order for the running hash', async () => {
      await fresh();
      // The same file stored again under the same key: every chunk has a second copy.
      const copy = await storeFile(source, { known: true, format, cipher: s.cipher, dir: s.dir });
      const others = new Map(s.chunks.map((c, k) => [c.locator, copy.chunks[k]!.locator]));
      const lost: [number, string][] = [];
      const copies: CopySource = {
        others: async (ref) => [others.get(ref.locator)!],
        lost: (ref, _locator, err) => lost.push([ref.index, err.constructor.name]),
      };
      const damage = async (locator: string) => {
        const bytes = await readFile(fileOf(s, locator));
        bytes[SEALED_SEGMENT + 7]! ^= 0x01;
        await writeFile(fileOf(s, locator), bytes);
      };
      await damage(s.chunks[1]!.locator);
      await unlink(fileOf(s, s.chunks[2]!.locator));

      const pool = new CipherPool(2);
      try {
        // Hashed on a second thread while the next chunk opens, as a whole-file download is.
        const session = pool.session(true, { hashApart: true });
        const pieces = await read(s, 0, size, { copies, session, readAhead: 2 });
        expectSame(Buffer.concat(pieces), source);
        expect(await session.digest()).toBe(createHash('sha256').update(source).digest('hex'));
        expect(lost.sort()).toEqual([
          [1, 'IntegrityError'],
          [2, 'ChunkMissingError'],
        ]);
        const ranged = await read(s, CHUNK + 10, 2 * CHUNK + 10, { copies });
        expectSame(Buffer.concat(ranged), source.subarray(CHUNK + 10, 2 * CHUNK + 10));

        // With the other copy damaged too, nothing is left to read: the read fails, yielding nothing wrong.
        await damage(copy.chunks[1]!.locator);
        expect(await readFailure(s, 0, size, { copies })).toBeInstanceOf(IntegrityError);
      } finally {
        await pool.close();
      }
    });

    it('rejects ranges outside the file', async () => {
      await fresh();
      expect(await readFailure(s, 5, 4)).toBeInstanceOf(RangeError);
      expect(await readFailure(s, 0, size + 1)).toBeInstanceOf(RangeError);
    });
  });
}
