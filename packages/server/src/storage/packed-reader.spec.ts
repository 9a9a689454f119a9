import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteRange, ChunkStore } from './chunk-store.js';
import { CipherPool } from './cipher-pool.js';
import { IntegrityError } from './errors.js';
import { PACK_RUN_BYTES, readPackedFiles, type PackedRead } from './packed-reader.js';
import { CHUNK_TRAILER_SIZE } from './chunk-format.js';
import { DriveKeys } from './drive-keys.js';
import { MasterKey } from './master-key.js';
import { SegmentCipher, sealedSize } from './segment-cipher.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Objects in memory; every get is counted with its range. */
function countingStore(objects: Map<string, Buffer>) {
  const gets: { locator: string; range?: ByteRange }[] = [];
  const store: ChunkStore = {
    name: 'memory',
    limits: { maxChunkBytes: 64 * 1024 * 1024 },
    put: () => Promise.reject(new Error('read only')),
    delete: () => Promise.resolve(),
    get(locator, range) {
      gets.push({ locator, range });
      const bytes = objects.get(locator)!;
      // A copy, as a read from disk would be: opening in place must not touch the stored object.
      return Promise.resolve(Buffer.from(range ? bytes.subarray(range.start, range.end) : bytes));
    },
  };
  return { store, gets };
}

/** Small files, each sealed under its own key, one after another in one object, as a batch upload packs them. */
function pack(locator: string, sizes: number[]) {
  let offset = 0;
  const sealed: Buffer[] = [];
  const files = sizes.map((size) => {
    const plain = randomBytes(size);
    const cipher = new SegmentCipher(randomBytes(32), randomUUID());
    const bytes = cipher.sealSegments(0, plain, true);
    const file: PackedRead = {
      chunk: { index: 0, store: 'memory', locator, plainSize: size, offset, packed: true },
      cipher,
      chunkSize: 65536,
      sha256: null,
    };
    sealed.push(bytes);
    offset += bytes.length;
    return { file, plain };
  });
  return { files, object: Buffer.concat(sealed) };
}

for (const threads of [0, 1]) {
  describe(`reading packed files with ${threads} cipher thread(s)`, () => {
    const pool = new CipherPool(threads);
    afterAll(() => pool.close());

    it('reads neighbours in a pack with one ranged get, each file whole and with its SHA-256', async () => {
      const { files, object } = pack(
        'p1',
        Array.from({ length: 50 }, (_, i) => 1000 + 37 * i),
      );
      const { store, gets } = countingStore(new Map([['p1', object]]));
      // Asked for in another order than the pack's, as a zip's name order would.
      const order = [...files.keys()].sort(() => Math.random() - 0.5);
      const read = await Promise.all(
        readPackedFiles(
          () => store,
          pool,
          order.map((i) => files[i]!.file),
        ),
      );
      expect(gets).toEqual([{ locator: 'p1', range: { start: 0, end: object.length } }]);
      read.forEach(({ plain, sha256: digest }, k) => {
        const expected = files[order[k]!]!.plain;
        expect(plain.equals(expected)).toBe(true);
        expect(digest).toBe(sha256(expected));
      });
    });

    it('splits runs at large gaps, at the size one get may cover, and between objects', async () => {
      const a = pack(
        'a',
        Array.from({ length: 300 }, () => 10_000),
      );
      const b = pack('b', [500, 600]);
      const { store, gets } = countingStore(
        new Map([
          ['a', a.object],
          ['b', b.object],
        ]),
      );
      // Files 0-9 and 200-299 of pack a (a gap of 1.9 MB), and both of b; 100 × 10 kB is under a run's
      // size, 200 × 10 kB is not.
      const wanted = [...a.files.slice(0, 10), ...a.files.slice(100, 300), ...b.files];
      const read = await Promise.all(
        readPackedFiles(
          () => store,
          pool,
          wanted.map((w) => w.file),
        ),
      );
      read.forEach(({ plain }, k) => expect(plain.equals(wanted[k]!.plain)).toBe(true));
      expect(gets.filter((g) => g.locator === 'b')).toHaveLength(1);
      const fromA = gets.filter((g) => g.locator === 'a');
      expect(fromA).toHaveLength(1 + Math.ceil((200 * 10_016) / PACK_RUN_BYTES));
      for (const get of fromA) expect(get.range!.end - get.range!.start).toBeLessThanOrEqual(PACK_RUN_BYTES);
    });

    it('fails just the file with a damaged byte; its neighbours in the same get still open', async () => {
      const { files, object } = pack('p', [3000, 4000, 5000, 6000]);
      const damaged = Buffer.from(object);
      const third = files[2]!.file.chunk.offset!;
      damaged[third + 100]! ^= 0x01;
      const { store, gets } = countingStore(new Map([['p', damaged]]));
      const read = readPackedFiles(
        () => store,
        pool,
        files.map((f) => f.file),
      );
      const settled = await Promise.allSettled(read);
      expect(gets).toHaveLength(1);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(IntegrityError);
      expect(
        (settled[3] as PromiseFulfilledResult<{ plain: Buffer }>).value.plain.equals(files[3]!.plain),
      ).toBe(true);
    });

    it("reads a small file stored alone in format 2 with its trailer, and refuses another one's in its place", async () => {
      const keys = new DriveKeys(new MasterKey(randomBytes(32)), randomUUID());
      const alone = async (locator: string) => {
        const plain = randomBytes(5000);
        const { cipher } = keys.create(randomUUID());
        const place = { index: 0, chunkSize: 65536, final: true };
        const { sealed } = await new CipherPool(0).session(true).seal(cipher, plain, place);
        const chunk = { index: 0, store: 'memory', locator, plainSize: plain.length, offset: 0 };
        return { plain, sealed, file: { chunk, cipher, chunkSize: 65536, sha256: sha256(plain) } };
      };
      const [a, b] = [await alone('a'), await alone('b')];
      const { store, gets } = countingStore(
        new Map([
          ['a', a.sealed],
          ['b', b.sealed],
        ]),
      );
      const [read] = await Promise.all(readPackedFiles(() => store, pool, [a.file]));
      expect(read!.plain.equals(a.plain)).toBe(true);
      expect(gets).toEqual([
        { locator: 'a', range: { start: 0, end: sealedSize(5000) + CHUNK_TRAILER_SIZE } },
      ]);

      const swapped = countingStore(new Map([['a', b.sealed]]));
      const [failed] = await Promise.allSettled(readPackedFiles(() => swapped.store, pool, [a.file]));
      expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(IntegrityError);
      expect((failed as PromiseRejectedResult).reason.message).toMatch(
        `Chunk 0 holds chunk 0 of version ${b.file.cipher.versionId}`,
      );
    });

    it('fails the files of a run whose get comes back short, as damaged', async () => {
      const { files, object } = pack('p', [3000, 4000]);
      const { store } = countingStore(new Map([['p', object.subarray(0, object.length - 10)]]));
      const settled = await Promise.allSettled(
        readPackedFiles(
          () => store,
          pool,
          files.map((f) => f.file),
        ),
      );
      for (const s of settled) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(IntegrityError);
      }
    });
  });
}
