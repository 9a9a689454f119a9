import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SEGMENT_SIZE } from '@idrive/shared';
import { BufferPool } from './buffer-pool.js';
import { CipherPool } from './cipher-pool.js';
import { IntegrityError } from './errors.js';
import { CHUNK_TRAILER_SIZE, chunkBufferSize } from './chunk-format.js';
import { DriveKeys } from './drive-keys.js';
import { MasterKey } from './master-key.js';
import { SegmentCipher, sealedSize } from './segment-cipher.js';

const CHUNK = 4 * SEGMENT_SIZE;
const at = (index: number, final: boolean) => ({ index, chunkSize: CHUNK, final });
const plan = (
  firstSegment: number,
  segments: number,
  holdsLast: boolean,
  plainBytes: number,
  chunkIndex: number,
) => ({
  firstSegment,
  segments,
  holdsLast,
  plainBytes,
  chunkIndex,
});

for (const threads of [0, 1]) {
  describe(`CipherPool with ${threads} worker thread(s)`, () => {
    const pool = new CipherPool(threads);
    afterAll(() => pool.close());

    it("seals chunks in order and keeps the file's SHA-256, which opening reproduces", async () => {
      const cipher = new SegmentCipher(randomBytes(32), randomUUID());
      const plain = randomBytes(3 * CHUNK + 1234);
      const expected = createHash('sha256').update(plain).digest('hex');

      const writing = pool.session(true);
      const pieces = [0, 1, 2, 3].map((k) => Buffer.from(plain.subarray(k * CHUNK, (k + 1) * CHUNK)));
      // Sealing may move the pieces to the worker thread: their sizes are read now.
      const sizes = pieces.map((piece) => piece.length);
      // Posted back to back without waiting: the session must still hash them in file order.
      const sealed = await Promise.all(pieces.map((piece, k) => writing.seal(cipher, piece, at(k, k === 3))));
      expect(writing.hashedBytes).toBe(plain.length);
      expect(await writing.digest()).toBe(expected);

      const reading = pool.session(true);
      const opened: Buffer[] = [];
      for (const [k, { sealed: bytes }] of sealed.entries()) {
        const segments = Math.ceil(sizes[k]! / SEGMENT_SIZE);
        opened.push(
          await reading.open(
            cipher,
            bytes,
            plan(k * (CHUNK / SEGMENT_SIZE), segments, k === 3, sizes[k]!, k),
          ),
        );
      }
      expect(Buffer.concat(opened).equals(plain)).toBe(true);
      expect(await reading.digest()).toBe(expected);
    });

    it('keeps SHA-1 and MD5 beside the SHA-256 when asked, and only then', async () => {
      const cipher = new SegmentCipher(randomBytes(32), randomUUID());
      const plain = randomBytes(2 * CHUNK + 99);
      const digest = (algorithm: string) => createHash(algorithm).update(plain).digest('hex');
      const sealAll = async (checksums: boolean) => {
        const session = pool.session(true, { checksums });
        const pieces = [0, 1, 2].map((k) => Buffer.from(plain.subarray(k * CHUNK, (k + 1) * CHUNK)));
        await Promise.all(pieces.map((p, k) => session.seal(cipher, p, at(k, k === 2))));
        return session.digests();
      };
      expect(await sealAll(true)).toEqual({
        sha256: digest('sha256'),
        sha1: digest('sha1'),
        md5: digest('md5'),
      });
      expect(await sealAll(false)).toEqual({ sha256: digest('sha256') });
    });

    it('rejects a damaged chunk with an IntegrityError naming the chunk and segment', async () => {
      const cipher = new SegmentCipher(randomBytes(32), randomUUID());
      const session = pool.session(false);
      const { sealed } = await session.seal(cipher, randomBytes(CHUNK), at(0, true));
      const damaged = Buffer.from(sealed);
      damaged[SEGMENT_SIZE + 16 + 5] = damaged[SEGMENT_SIZE + 16 + 5]! ^ 1;
      const failure = await session
        .open(cipher, damaged, plan(0, 4, true, CHUNK, 7))
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(IntegrityError);
      expect((failure as IntegrityError).chunk).toBe(7);
      expect((failure as IntegrityError).segment).toBe(1);
      expect((failure as Error).message).toMatch(/chunk 7, segment 1/);
      session.drop();
    });

    it('seals and opens a chunk held in shared memory in place, hashing the plaintext first', async () => {
      const cipher = new SegmentCipher(randomBytes(32), randomUUID());
      const buffers = new BufferPool(sealedSize(CHUNK), 2);
      const session = pool.session(true);
      const plain = randomBytes(CHUNK);
      const chunk = buffers.acquire(sealedSize(CHUNK));
      plain.copy(chunk);
      const { sealed, plain: returned } = await session.seal(cipher, chunk.subarray(0, CHUNK), at(0, true));
      // Across threads a shared buffer arrives as a new object over the same memory, so the checks
      // look at the memory: the sealed bytes are where the plaintext was, as one sealed elsewhere.
      expect(sealed.buffer).toBe(chunk.buffer);
      expect(returned.buffer).toBe(chunk.buffer);
      expect(chunk.equals(cipher.sealSegments(0, plain, true))).toBe(true);
      expect(await session.digest()).toBe(createHash('sha256').update(plain).digest('hex'));

      const reading = pool.session(false);
      const opened = await reading.open(cipher, sealed, plan(0, 4, true, CHUNK, 0));
      expect(opened.equals(plain)).toBe(true);
      expect(chunk.subarray(0, CHUNK).equals(plain)).toBe(true);
      buffers.release(opened);
      expect(buffers.acquire(sealedSize(CHUNK)).buffer).toBe(chunk.buffer);
      reading.drop();
    });

    it('seals and opens a format-2 chunk in place in shared memory, its trailer in the same buffer', async () => {
      const keys = new DriveKeys(new MasterKey(randomBytes(32)), randomUUID());
      const { cipher } = keys.create(randomUUID());
      const buffers = new BufferPool(chunkBufferSize(CHUNK), 2);
      const session = pool.session(true);
      const plain = randomBytes(CHUNK);
      const chunk = buffers.acquire(chunkBufferSize(CHUNK));
      expect(chunk.length).toBe(sealedSize(CHUNK) + CHUNK_TRAILER_SIZE);
      plain.copy(chunk);
      const { sealed } = await session.seal(cipher, chunk.subarray(0, CHUNK), at(0, true));
      expect(sealed.buffer).toBe(chunk.buffer);
      expect(sealed.byteOffset).toBe(0);
      expect(sealed.length).toBe(chunk.length);
      expect(chunk.subarray(0, sealedSize(CHUNK)).equals(cipher.sealSegments(0, plain, true))).toBe(true);
      const sha = createHash('sha256').update(plain).digest('hex');
      expect(await session.digest()).toBe(sha);

      const reading = pool.session(false);
      const trailer = {
        index: 0,
        chunkSize: CHUNK,
        plainSize: CHUNK,
        final: { chunks: 1, fileSize: CHUNK, sha256: sha },
      };
      const opened = await reading.open(cipher, sealed, { ...plan(0, 4, true, CHUNK, 0), trailer });
      expect(opened.buffer).toBe(chunk.buffer);
      expect(opened.equals(plain)).toBe(true);
      reading.drop();
    });
  });
}

describe('BufferPool', () => {
  it('keeps at most `keep` buffers of its size and none of other sizes', () => {
    const pool = new BufferPool(1024, 1);
    const a = pool.acquire(1024);
    const b = pool.acquire(1024);
    const other = pool.acquire(100);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(other.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    pool.release(a);
    pool.release(b);
    pool.release(other);
    expect(pool.acquire(1024).buffer).toBe(a.buffer);
    expect(pool.acquire(1024).buffer).not.toBe(b.buffer);
  });
});

describe('CipherPool hashing a read apart', () => {
  for (const threads of [1, 2]) {
    it(`keeps the right SHA-256 over shared and copied chunks with ${threads} thread(s)`, async () => {
      const pool = new CipherPool(threads);
      try {
        const cipher = new SegmentCipher(randomBytes(32), randomUUID());
        const plain = randomBytes(2 * CHUNK + 999);
        const writing = pool.session(false);
        const sealed: Buffer[] = [];
        for (let k = 0; k < 3; k++) {
          const piece = Buffer.from(plain.subarray(k * CHUNK, (k + 1) * CHUNK));
          sealed.push((await writing.seal(cipher, piece, at(k, k === 2))).sealed);
        }
        writing.drop();

        const reading = pool.session(true, { hashApart: true });
        // The hash sits on a thread of its own only when the pool may start a second one.
        expect(pool.threads).toBe(threads);
        const buffers = new BufferPool(sealedSize(CHUNK), 3);
        // Chunk 0 and 2 in shared memory (opened in place), chunk 1 a plain buffer (moved and back),
        // all posted back to back, as a reader reading ahead does.
        const inputs = sealed.map((bytes, k) => {
          if (k === 1) return Buffer.from(bytes);
          const into = buffers.acquire(bytes.length);
          bytes.copy(into);
          return into;
        });
        const opened = await Promise.all(
          inputs.map((bytes, k) => {
            const size = Math.min(CHUNK, plain.length - k * CHUNK);
            const segments = Math.ceil(size / SEGMENT_SIZE);
            return reading.open(cipher, bytes, plan(k * (CHUNK / SEGMENT_SIZE), segments, k === 2, size, k));
          }),
        );
        expect(Buffer.concat(opened).equals(plain)).toBe(true);
        expect(await reading.digest()).toBe(createHash('sha256').update(plain).digest('hex'));
      } finally {
        await pool.close();
      }
    });
  }

  it('fails on a damaged chunk and the next read on the same threads is still right', async () => {
    const pool = new CipherPool(2);
    try {
      const cipher = new SegmentCipher(randomBytes(32), randomUUID());
      const plain = randomBytes(CHUNK);
      const writing = pool.session(false);
      const { sealed } = await writing.seal(cipher, Buffer.from(plain), at(0, true));
      writing.drop();
      const damaged = Buffer.from(sealed);
      damaged[100] = damaged[100]! ^ 1;
      const broken = pool.session(true, { hashApart: true });
      await expect(broken.open(cipher, damaged, plan(0, 4, true, CHUNK, 0))).rejects.toBeInstanceOf(
        IntegrityError,
      );
      broken.drop();
      const reading = pool.session(true, { hashApart: true });
      await reading.open(cipher, Buffer.from(sealed), plan(0, 4, true, CHUNK, 0));
      expect(await reading.digest()).toBe(createHash('sha256').update(plain).digest('hex'));
    } finally {
      await pool.close();
    }
  });
});

describe('CipherPool threads', () => {
  it('starts a worker only when a session needs one, and no more than its size', async () => {
    const pool = new CipherPool(2);
    try {
      expect(pool.threads).toBe(0);
      const cipher = new SegmentCipher(randomBytes(32), randomUUID());
      const first = pool.session(true);
      expect(pool.threads).toBe(1);
      await first.seal(cipher, randomBytes(CHUNK), at(0, true));
      await first.digest();
      // The first worker is free again: a later file reuses it.
      const second = pool.session(false);
      expect(pool.threads).toBe(1);
      const third = pool.session(false);
      const fourth = pool.session(false);
      expect(pool.threads).toBe(2);
      for (const session of [second, third, fourth]) session.drop();
    } finally {
      await pool.close();
    }
  });
});
