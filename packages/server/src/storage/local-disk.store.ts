import { open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ByteRange, ChunkStore, ChunkStoreLimits, SweepRecords } from './chunk-store.js';
import { isErrnoCode, writeFileAtomic } from './durable-fs.js';
import { ChunkMissingError, IntegrityError } from './errors.js';

const MIB = 1024 * 1024;

// Keys are UUIDs we generate; allowing nothing but hex digits and dashes means a locator read back from
// the database can never name a path outside the store (no '/', no '..').
const LOCATOR = /^[0-9a-f-]{3,64}$/;

/**
 * Chunks as files on local disk, at `<dir>/<first 2 chars of key>/<key>`. The two-character fan-out
 * keeps any one folder small enough to list quickly.
 */
export class LocalDiskStore implements ChunkStore {
  readonly name = 'local';
  readonly limits: ChunkStoreLimits;

  constructor(
    private readonly dir: string,
    maxChunkBytes = 64 * MIB,
  ) {
    // Most of a put is the wait for its fsync, which holds no chunk memory (see `written`): four at once
    // keep a virtual disk's queue busy where two left it idle between them (an upload ran about 1.7×
    // faster), and the libuv pool has four threads. Two buffers being sealed or written keep the
    // memory of the two-at-once writer this replaced.
    this.limits = { maxChunkBytes, chunksInFlight: 4, chunksHeld: 2 };
  }

  /** Writes to a temporary name, fsyncs, then renames into place, so a crash never leaves half a chunk under its real name. */
  async put(key: string, data: Buffer, written?: () => void): Promise<string> {
    const file = this.pathOf(key);
    if (data.length > this.limits.maxChunkBytes) {
      throw new RangeError(
        `A ${data.length}-byte chunk exceeds the local store's limit of ${this.limits.maxChunkBytes} bytes`,
      );
    }
    await writeFileAtomic(file, data, { written });
    return key;
  }

  /**
   * Deletes chunk files no record knows (their key was lost with a crash) and temporary files a
   * crash left mid-write, once older than `before`.
   */
  async sweep(known: SweepRecords, before: number): Promise<number> {
    let deleted = 0;
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((err: unknown) => {
      if (isErrnoCode(err, 'ENOENT')) return [];
      throw err;
    });
    for (const entry of entries.filter((e) => e.isDirectory())) {
      const dir = path.join(this.dir, entry.name);
      const old: { name: string; file: string }[] = [];
      for (const name of await readdir(dir)) {
        const file = path.join(dir, name);
        // A put in progress renames its temporary file away between the listing and this look.
        const info = await stat(file).catch((err: unknown) => {
          if (isErrnoCode(err, 'ENOENT')) return undefined;
          throw err;
        });
        if (info && info.mtimeMs < before) old.push({ name, file });
      }
      const referenced = await known.keys(old.map((o) => o.name).filter((name) => LOCATOR.test(name)));
      for (const { name, file } of old) {
        if (referenced.has(name)) continue;
        await unlink(file).catch(() => undefined);
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Reads the whole chunk, or only `range` with a positioned read. A range past the end means the
   * chunk is shorter than its record says, so it is reported as damage (IntegrityError).
   */
  async get(locator: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    const file = this.pathOf(locator);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isErrnoCode(err, 'ENOENT')) throw new ChunkMissingError(locator, this.name);
      throw err;
    }
    try {
      if (!range) return await handle.readFile();
      const { start, end } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw new RangeError(`Invalid byte range ${start}-${end}`);
      }
      const { size } = await handle.stat();
      if (end > size) {
        throw new IntegrityError(
          `Stored chunk ${locator} has ${size} bytes, fewer than the ${end} recorded: the file is damaged`,
        );
      }
      const out = into?.length === end - start ? into : Buffer.allocUnsafe(end - start);
      let filled = 0;
      // read() may return fewer bytes than asked; 0 means the file shrank after the stat.
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0)
          throw new IntegrityError(`Stored chunk ${locator} ended early: the file is damaged`);
        filled += bytesRead;
      }
      return out;
    } finally {
      await handle.close();
    }
  }

  async delete(locator: string): Promise<void> {
    try {
      await unlink(this.pathOf(locator));
    } catch (err) {
      if (!isErrnoCode(err, 'ENOENT')) throw err;
    }
  }

  private pathOf(locator: string): string {
    if (!LOCATOR.test(locator)) throw new Error(`Invalid chunk locator "${locator.slice(0, 80)}"`);
    return path.join(this.dir, locator.slice(0, 2), locator);
  }
}
