import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SEGMENT_SIZE } from '@idrive/shared';
import { describe, expect, it } from 'vitest';
import type { ByteRange, ChunkStore, ChunkStoreLimits } from './chunk-store.js';
import { BufferPool } from './buffer-pool.js';
import { ChunkWriter, type ChunkWriterOptions, type StoredChunk } from './chunk-writer.js';
import { ChunkMissingError } from './errors.js';
import { WriterShare } from './writer-share.js';
import { chunkBufferSize, openChunk } from './chunk-format.js';
import { DriveKeys } from './drive-keys.js';
import { MasterKey } from './master-key.js';
import { SegmentCipher, sealedSize } from './segment-cipher.js';

const CHUNK = 4 * SEGMENT_SIZE;

/** A store in memory whose puts can be held open, to watch concurrency and back-pressure. */
class MemoryStore implements ChunkStore {
  readonly name = 'memory';
  limits: ChunkStoreLimits = { maxChunkBytes: 64 * 1024 * 1024 };
  readonly chunks = new Map<string, Buffer>();
  inFlight = 0;
  maxInFlight = 0;
  puts = 0;
  hold = false;
  failNext: Error | null = null;
  private waiting: (() => void)[] = [];
  /**
   * Chunks promised by the writer (ChunkStore.incoming) and not yet put; and, for each put, how many
   * chunks after it were promised or put by the next turn (when a batching store looks).
   */
  promised = 0;
  promisedAtPut: number[] = [];

  incoming(): { done(): void } {
    this.promised++;
    let open = true;
    return {
      done: () => {
        if (open) this.promised--;
        open = false;
      },
    };
  }

  /** Takes a copy at once and says so (written), as the local store does before its fsync. */
  copyAtOnce = false;

  async put(key: string, data: Buffer, written?: () => void): Promise<string> {
    const copy = this.copyAtOnce ? Buffer.from(data) : undefined;
    if (copy) written?.();
    // Read on the next turn, as a batching store does: the writer settles its promise right after put.
    const index = this.puts;
    setImmediate(() => this.promisedAtPut.push(this.promised + this.puts - index - 1));
    this.puts++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      if (this.failNext) {
        const err = this.failNext;
        this.failNext = null;
        throw err;
      }
      this.chunks.set(key, copy ?? Buffer.from(data));
      return key;
    } finally {
      this.inFlight--;
    }
  }

  release(): void {
    this.hold = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  async get(locator: string, range?: ByteRange): Promise<Buffer> {
    const data = this.chunks.get(locator);
    if (!data) throw new ChunkMissingError(locator, this.name);
    return range ? data.subarray(range.start, range.end) : data;
  }

  async delete(locator: string): Promise<void> {
    this.chunks.delete(locator);
  }
}

/** A cipher writing format 1 (no drive), or format 2 (a drive's, with trailers). */
function cipherOf(format: 1 | 2): SegmentCipher {
  if (format === 1) return new SegmentCipher(randomBytes(32), randomUUID());
  return new DriveKeys(new MasterKey(randomBytes(32)), randomUUID()).create(randomUUID()).cipher;
}

/** Opens chunk `index` of `file` (whole chunks only) as the writer stored it, checking its trailer in format 2. */
function openStored(cipher: SegmentCipher, bytes: Buffer, index: number, file: Buffer): Buffer {
  const chunks = file.length / CHUNK;
  const last = index === chunks - 1;
  const sha256 = createHash('sha256').update(file).digest('hex');
  const final = last ? { chunks, fileSize: file.length, sha256 } : null;
  const trailer = cipher.binding && { index, chunkSize: CHUNK, plainSize: CHUNK, final };
  const plan = {
    firstSegment: index * 4,
    segments: 4,
    holdsLast: last,
    plainBytes: CHUNK,
    chunkIndex: index,
  };
  return openChunk(cipher, bytes, { ...plan, trailer }, false);
}

function setup(options: Partial<ChunkWriterOptions> & { store?: MemoryStore } = {}) {
  const store = options.store ?? new MemoryStore();
  const cipher = options.cipher ?? cipherOf(1);
  const events: string[] = [];
  const stored: StoredChunk[] = [];
  const writer = new ChunkWriter({
    store,
    cipher,
    chunkSize: CHUNK,
    beforePut: async (c) => {
      events.push(`before ${c.index}`);
    },
    afterPut: async (c) => {
      events.push(`after ${c.index}`);
      stored.push(c);
    },
    ...options,
  });
  return { store, cipher, writer, events, stored };
}

/** A chunk-buffer pool that remembers every buffer it handed out. */
function countingPool() {
  const made = new Set<ArrayBufferLike>();
  const pool = new (class extends BufferPool {
    override acquire(size: number): Buffer {
      const buffer = super.acquire(size);
      made.add(buffer.buffer);
      return buffer;
    }
  })(chunkBufferSize(CHUNK), 8);
  return { pool, made };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ChunkWriter', () => {
  it('records each chunk before and after its put, with its sizes and a fresh key', async () => {
    const { writer, events, stored, store } = setup({ totalSize: 2 * CHUNK + 10 });
    await writer.write(randomBytes(2 * CHUNK + 10));
    expect(await writer.finish()).toEqual({ size: 2 * CHUNK + 10, chunks: 3 });
    for (const i of [0, 1, 2])
      expect(events.indexOf(`before ${i}`)).toBeLessThan(events.indexOf(`after ${i}`));
    stored.sort((a, b) => a.index - b.index);
    expect(stored.map((c) => c.plainSize)).toEqual([CHUNK, CHUNK, 10]);
    expect(stored.map((c) => c.sealedSize)).toEqual([sealedSize(CHUNK), sealedSize(CHUNK), 26]);
    expect(new Set(stored.map((c) => c.key)).size).toBe(3);
    for (const c of stored) {
      expect(c.key).toMatch(/^[0-9a-f-]{36}$/);
      expect(store.chunks.get(c.locator)!.length).toBe(c.sealedSize);
    }
  });

  it('stores a 0-byte file as one chunk holding one empty final segment', async () => {
    for (const totalSize of [0, undefined]) {
      const { writer, stored, store, cipher } = setup({ totalSize });
      expect(await writer.finish()).toEqual({ size: 0, chunks: 1 });
      expect(stored).toHaveLength(1);
      const sealed = store.chunks.get(stored[0]!.locator)!;
      expect(sealed.length).toBe(16);
      expect(cipher.open(0, sealed, true).length).toBe(0);
    }
  });

  it('applies back-pressure: no more than `concurrency` puts at once, and write waits for room', async () => {
    const { writer, store } = setup({ concurrency: 2 });
    store.hold = true;
    await writer.write(randomBytes(CHUNK));
    await writer.write(randomBytes(CHUNK)); // chunk 0 dispatched (1 in flight)
    let resolved = false;
    const third = writer.write(randomBytes(CHUNK)).then(() => (resolved = true)); // chunk 1 dispatched: full
    await tick();
    expect(resolved).toBe(false);
    expect(store.inFlight).toBe(2);
    store.release();
    await third;
    await writer.write(randomBytes(5 * CHUNK + 7));
    await writer.finish();
    expect(store.maxInFlight).toBeLessThanOrEqual(2);
    expect(store.puts).toBe(9);
  });

  it('splits a shared store concurrency between the writers at the moment', async () => {
    const share = new WriterShare(4);
    const first = setup({ share });
    const second = setup({ share, store: first.store });
    const { store } = first;
    store.hold = true;
    // One writer alone keeps all four in flight.
    for (let i = 0; i < 4; i++) await first.writer.write(randomBytes(CHUNK));
    const fifth = first.writer.write(randomBytes(CHUNK));
    await tick();
    expect(store.inFlight).toBe(4);
    // A second writer joins with its first chunk: from now on each keeps two.
    await second.writer.write(randomBytes(CHUNK));
    const joined = second.writer.write(randomBytes(CHUNK));
    await tick();
    expect(store.inFlight).toBe(5);
    store.release();
    await Promise.all([fifth, joined]);
    store.maxInFlight = 0;
    store.hold = true;
    const writes = Promise.all([
      (async () => {
        for (let i = 0; i < 6; i++) await first.writer.write(randomBytes(CHUNK));
      })(),
      (async () => {
        for (let i = 0; i < 6; i++) await second.writer.write(randomBytes(CHUNK));
      })(),
    ]);
    await tick();
    expect(store.inFlight).toBe(4);
    store.release();
    await writes;
    await Promise.all([first.writer.finish(), second.writer.finish()]);
    expect(store.maxInFlight).toBeLessThanOrEqual(4);
    expect(share.perWriter).toBe(4);
  });

  for (const format of [1, 2] as const) {
    it(`seals each chunk in its own pooled buffer, trailer and all: concurrency + 1 buffers for the whole file (format ${format})`, async () => {
      const { pool, made } = countingPool();
      const plain = randomBytes(10 * CHUNK);
      const { writer, store, stored, cipher } = setup({
        cipher: cipherOf(format),
        concurrency: 2,
        buffers: pool,
        totalSize: plain.length,
      });
      for (let at = 0; at < plain.length; at += 100_000) await writer.write(plain.subarray(at, at + 100_000));
      await writer.finish();
      expect(made.size).toBeLessThanOrEqual(3);
      stored.sort((a, b) => a.index - b.index);
      const opened = stored.map((c) => openStored(cipher, store.chunks.get(c.locator)!, c.index, plain));
      expect(Buffer.concat(opened).equals(plain)).toBe(true);
    });

    it(`reuses a chunk buffer as soon as the store has written it, before the put is durable (format ${format})`, async () => {
      const { pool, made } = countingPool();
      const plain = randomBytes(6 * CHUNK);
      const { writer, store, stored, cipher } = setup({
        cipher: cipherOf(format),
        concurrency: 4,
        buffers: pool,
        totalSize: plain.length,
      });
      store.copyAtOnce = true;
      store.hold = true;
      const writing = (async () => {
        for (let at = 0; at < plain.length; at += CHUNK) await writer.write(plain.subarray(at, at + CHUNK));
      })();
      await tick();
      // Four puts wait for the disk, yet they hold none of the writer's buffers.
      expect(store.inFlight).toBe(4);
      expect(made.size).toBeLessThanOrEqual(3);
      store.release();
      await writing;
      await writer.finish();
      expect(made.size).toBeLessThanOrEqual(3);
      stored.sort((a, b) => a.index - b.index);
      const opened = stored.map((c) => openStored(cipher, store.chunks.get(c.locator)!, c.index, plain));
      expect(Buffer.concat(opened).equals(plain)).toBe(true);
    });
  }

  it('keeps no more than chunksHeld of its chunks in flight unwritten, and more once written', async () => {
    for (const copyAtOnce of [false, true]) {
      const store = new MemoryStore();
      store.limits = { maxChunkBytes: 64 * 1024 * 1024, chunksInFlight: 4, chunksHeld: 2 };
      store.copyAtOnce = copyAtOnce;
      store.hold = true;
      const { writer } = setup({ store, totalSize: 8 * CHUNK });
      const writing = (async () => {
        for (let i = 0; i < 8; i++) await writer.write(randomBytes(CHUNK));
      })();
      await tick();
      expect(store.inFlight, `written at once: ${copyAtOnce}`).toBe(copyAtOnce ? 4 : 2);
      store.release();
      await writing;
      await writer.finish();
      expect(store.puts).toBe(8);
    }
  });

  it('without a total size, holds back a full chunk until more data or finish', async () => {
    const { writer, store, stored, cipher } = setup();
    await writer.write(randomBytes(CHUNK));
    await tick();
    expect(store.puts).toBe(0);
    expect(await writer.finish()).toEqual({ size: CHUNK, chunks: 1 });
    // The single full chunk carries the final flag on its last segment.
    const sealed = store.chunks.get(stored[0]!.locator)!;
    expect(() => cipher.open(3, sealed.subarray(3 * (SEGMENT_SIZE + 16)), true)).not.toThrow();
  });

  it('rejects the next write and finish after a failed put', async () => {
    const { writer, store } = setup();
    store.failNext = new Error('disk on fire');
    await writer.write(randomBytes(CHUNK + 1)); // dispatches chunk 0, which fails in the background
    await tick();
    await expect(writer.write(randomBytes(10))).rejects.toThrow('disk on fire');
    await expect(writer.finish()).rejects.toThrow('disk on fire');
  });

  it('enforces the declared size', async () => {
    const over = setup({ totalSize: 100 });
    await over.writer.write(randomBytes(60));
    await expect(over.writer.write(randomBytes(41))).rejects.toThrow(/101 bytes.*100 bytes/);
    const under = setup({ totalSize: 100 });
    await under.writer.write(randomBytes(99));
    await expect(under.writer.finish()).rejects.toThrow(/99 bytes.*100 bytes/);
    expect(() => setup({ totalSize: 10, pending: randomBytes(11) })).toThrow(/11 bytes/);
  });

  it('tells the store that another chunk follows each chunk but the last, and keeps no promise once done', async () => {
    const { writer, store } = setup({ totalSize: 3 * CHUNK + 10 });
    await writer.write(randomBytes(3 * CHUNK + 10));
    await writer.finish();
    // Each chunk but the last is followed by a promise (or the next chunk itself); the last by none.
    expect(store.promisedAtPut).toHaveLength(4);
    expect(store.promisedAtPut.slice(0, 3).every((n) => n >= 1)).toBe(true);
    expect(store.promisedAtPut[3]).toBe(0);
    expect(store.promised).toBe(0);

    const paused = setup();
    await paused.writer.write(randomBytes(CHUNK + 10));
    expect(paused.store.promised).toBe(1);
    await paused.writer.pause();
    expect(paused.store.promised).toBe(0);

    const aborted = setup();
    await aborted.writer.write(randomBytes(2 * CHUNK + 10));
    await aborted.writer.abort();
    expect(aborted.store.promised).toBe(0);
  });

  it('abort waits for in-flight puts, so none runs afterwards', async () => {
    const { writer, store } = setup({ totalSize: 10 * CHUNK });
    store.hold = true;
    await writer.write(randomBytes(CHUNK));
    const aborted = writer.abort().then(() => store.inFlight);
    await tick();
    store.release();
    expect(await aborted).toBe(0);
    const puts = store.puts;
    await expect(writer.write(randomBytes(1))).rejects.toThrow(/finished, paused or aborted/);
    expect(store.puts).toBe(puts);
  });

  it('pause returns the unstored plaintext, including pending bytes, and ends the writer', async () => {
    const pending = randomBytes(100);
    const { writer, stored } = setup({ totalSize: 4 * CHUNK, firstChunkIndex: 1, pending });
    const more = randomBytes(CHUNK + 50);
    await writer.write(more);
    const tail = await writer.pause();
    expect(stored.map((c) => c.index)).toEqual([1]);
    expect(tail.equals(Buffer.concat([pending, more]).subarray(CHUNK))).toBe(true);
    await expect(writer.finish()).rejects.toThrow();
  });

  it('finishes a resumed upload whose chunks were all stored before without storing anything', async () => {
    const { writer, store } = setup({ totalSize: 2 * CHUNK + 3, firstChunkIndex: 3 });
    expect(await writer.finish()).toEqual({ size: 2 * CHUNK + 3, chunks: 3 });
    expect(store.puts).toBe(0);
    expect(() => setup({ totalSize: 2 * CHUNK + 3, firstChunkIndex: 4 })).toThrow(/past the end/);
  });

  it('refuses a chunk size that is not whole segments or that the store cannot take', () => {
    expect(() => setup({ chunkSize: CHUNK + 1 })).toThrow(/multiple/);
    const store = new MemoryStore();
    Object.assign(store.limits, { maxChunkBytes: CHUNK });
    expect(() => setup({ store })).toThrow(/more than the "memory" store takes/);
  });
});
