import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkMissingError, IntegrityError } from './errors.js';
import { LocalDiskStore } from './local-disk.store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalDiskStore', () => {
  it('stores under <dir>/<2 chars>/<key> and reads back whole or by range', async () => {
    const store = new LocalDiskStore(dir);
    const key = randomUUID();
    const data = randomBytes(100_000);
    const locator = await store.put(key, data);
    expect(locator).toBe(key);
    expect((await stat(path.join(dir, key.slice(0, 2), key))).size).toBe(100_000);
    expect(await readdir(path.join(dir, key.slice(0, 2)))).toEqual([key]);
    expect((await store.get(locator)).equals(data)).toBe(true);
    expect((await store.get(locator, { start: 5, end: 70_000 })).equals(data.subarray(5, 70_000))).toBe(true);
    expect((await store.get(locator, { start: 99_999, end: 100_000 })).equals(data.subarray(99_999))).toBe(
      true,
    );
    expect((await store.get(locator, { start: 10, end: 10 })).length).toBe(0);
  });

  it('reports a range past the end as damage', async () => {
    const store = new LocalDiskStore(dir);
    const key = await store.put(randomUUID(), randomBytes(1000));
    await expect(store.get(key, { start: 900, end: 1001 })).rejects.toThrow(IntegrityError);
    await truncate(path.join(dir, key.slice(0, 2), key), 500);
    await expect(store.get(key, { start: 0, end: 1000 })).rejects.toThrow(IntegrityError);
  });

  it('throws ChunkMissingError for a missing chunk and deletes idempotently', async () => {
    const store = new LocalDiskStore(dir);
    const key = await store.put(randomUUID(), randomBytes(10));
    await store.delete(key);
    await store.delete(key);
    const err = await store.get(key).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChunkMissingError);
    expect((err as ChunkMissingError).locator).toBe(key);
    expect((err as ChunkMissingError).code).toBe('chunk_missing');
  });

  it('rejects locators that could leave the folder', async () => {
    const store = new LocalDiskStore(dir);
    for (const bad of ['../../etc/passwd', 'ab/cd', '..', 'ABCDEF', 'a', '', 'abc\0']) {
      await expect(store.get(bad)).rejects.toThrow(/Invalid chunk locator/);
      await expect(store.put(bad, Buffer.alloc(1))).rejects.toThrow(/Invalid chunk locator/);
      await expect(store.delete(bad)).rejects.toThrow(/Invalid chunk locator/);
    }
  });

  it('refuses chunks over its limit', async () => {
    const store = new LocalDiskStore(dir, 100);
    expect(store.limits.maxChunkBytes).toBe(100);
    await expect(store.put(randomUUID(), Buffer.alloc(101))).rejects.toThrow(/limit/);
    await store.put(randomUUID(), Buffer.alloc(100));
  });
});
