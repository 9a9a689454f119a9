import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEGMENT_SIZE } from '@idrive/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkBudget } from './chunk-budget.js';
import { readPlaintext, type StoredChunkRef } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { CipherPool } from './cipher-pool.js';
import { LocalDiskStore } from './local-disk.store.js';
import { SegmentCipher, sealedSize } from './segment-cipher.js';

// Large enough for whole chunks and a 3 MiB tail to be pooled (small reads are not).
const CHUNK = 64 * SEGMENT_SIZE;
const SIZE = 3 * CHUNK + 3 * 1024 * 1024;

describe('finding 4: ChunkBudget', () => {
  it('finding 4: hands out at most `limit` buffers, makes a caller wait for one, and reuses them in order', async () => {
    const budget = new ChunkBudget(4 * 1024 * 1024, 2);
    const a = budget.tryAcquire(budget.size)!;
    const b = await budget.acquire(3 * 1024 * 1024);
    expect(budget.tryAcquire(budget.size)).toBeUndefined();
    const order: string[] = [];
    const first = budget.acquire(budget.size).then((x) => (order.push('first'), x));
    const second = budget.acquire(budget.size).then((x) => (order.push('second'), x));
    // A buffer that comes back goes to whoever waited first, never to a caller that will not wait.
    budget.release(a);
    expect(budget.tryAcquire(budget.size)).toBeUndefined();
    expect((await first).buffer).toBe(a.buffer);
    budget.release(b.subarray(10, 20));
    expect((await second).buffer).toBe(b.buffer);
    expect(order).toEqual(['first', 'second']);
    expect(budget.created).toBe(2);
    expect(budget.outstanding).toBe(2);
  });

  it('finding 4: ignores small reads, foreign buffers and a buffer given back twice', async () => {
    const budget = new ChunkBudget(4 * 1024 * 1024, 1);
    const small = budget.tryAcquire(64 * 1024)!;
    expect(small.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const one = budget.tryAcquire(budget.size)!;
    budget.release(small);
    budget.release(Buffer.from(new SharedArrayBuffer(budget.size)));
    expect(budget.outstanding).toBe(1);
    budget.release(one);
    budget.release(one);
    // Given back twice, it would be handed to two callers at once.
    expect(budget.tryAcquire(budget.size)!.buffer).toBe(one.buffer);
    expect(budget.tryAcquire(budget.size)).toBeUndefined();
  });
});

describe('finding 4: readers sharing a ChunkBudget', () => {
  let root: string;
  let store: LocalDiskStore;
  let cipher: SegmentCipher;
  let chunks: StoredChunkRef[];
  let source: Buffer;
  const threads = new CipherPool(1);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'idrive-budget-'));
    store = new LocalDiskStore(root);
    cipher = new SegmentCipher(randomBytes(32), randomUUID());
    source = randomBytes(SIZE);
    chunks = [];
    const writer = new ChunkWriter({
      store,
      cipher,
      chunkSize: CHUNK,
      totalSize: SIZE,
      beforePut: async () => {},
      afterPut: async (c) => {
        chunks.push({ index: c.index, store: store.name, locator: c.locator, plainSize: c.plainSize });
      },
    });
    await writer.write(source);
    await writer.finish();
    chunks.sort((a, b) => a.index - b.index);
  });
  afterAll(async () => {
    await threads.close();
    await rm(root, { recursive: true, force: true });
  });

  const reader = (budget: ChunkBudget, refs = chunks, session = threads.session(false)) =>
    readPlaintext({
      stores: () => store,
      cipher,
      session,
      buffers: budget,
      chunkSize: CHUNK,
      size: SIZE,
      chunks: refs,
      start: 0,
      end: SIZE,
      readAhead: 2,
    });

  /** Reads the whole file, giving each piece back before asking for the next, as a response does. */
  async function readAll(budget: ChunkBudget): Promise<Buffer> {
    const copy = Buffer.allocUnsafe(SIZE);
    let at = 0;
    for await (const piece of reader(budget)) {
      at += piece.copy(copy, at);
      budget.release(piece);
    }
    return copy;
  }

  it('finding 4: many readers on a budget of two buffers all finish, with the right bytes, and give every buffer back', async () => {
    const budget = ChunkBudget.ofBytes(sealedSize(CHUNK), 2 * sealedSize(CHUNK));
    const copies = await Promise.all(Array.from({ length: 12 }, () => readAll(budget)));
    for (const copy of copies) expect(copy.equals(source)).toBe(true);
    expect(budget.created).toBe(2);
    expect(budget.outstanding).toBe(0);
  });

  it('finding 4: a reader stopped midway gives back the chunks it fetched ahead', async () => {
    const budget = new ChunkBudget(sealedSize(CHUNK), 8);
    const pieces = reader(budget);
    const first = await pieces.next();
    // Let the chunks fetched ahead arrive, so that they are held when the reader stops.
    await sleep(200);
    expect(budget.outstanding).toBeGreaterThan(1);
    budget.release(first.value as Buffer);
    await pieces.return(undefined);
    await sleep(200);
    expect(budget.outstanding).toBe(0);
  });

  it('finding 4: a reader that fails gives back the buffers of the chunks it fetched', async () => {
    const budget = new ChunkBudget(sealedSize(CHUNK), 8);
    const gone = path.join(root, chunks[2]!.locator.slice(0, 2), chunks[2]!.locator);
    const refs = chunks.map((c) => ({ ...c }));
    await unlink(gone);
    const failure = await (async () => {
      for await (const piece of reader(budget, refs)) budget.release(piece);
    })().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(Error);
    await sleep(200);
    expect(budget.outstanding).toBe(0);
  });
});
