// What groups of rows share within one run: the big random file every timed transfer sends, and
// figures other groups' rows are relative to (the ceilings, our local store), each measured once,
// by whichever group needs it first.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { measureCeilings, type Ceilings } from './ceilings.js';
import { FILE_SIZE, MiB } from './rows.js';

export interface LocalFigures {
  up: number;
  down: number;
}

export interface BenchContext {
  /** The random FILE_SIZE file the transfers send, written once per run. */
  bigFile(): Promise<string>;
  ceilings(): Promise<Ceilings>;
  /** Our local store's upload and download speeds, once the transfer rows have run. */
  local?: LocalFigures;
  close(): Promise<void>;
}

/**
 * tmpfs when there is one: reading the source then costs no disk time, so the disk's whole speed is
 * left to the store that writes the upload. Otherwise the temp dir (and the page cache).
 */
export const BIG_FILE_DIR = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

async function writeRandomFile(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < size; written += 16 * MiB) {
      await handle.write(randomBytes(Math.min(16 * MiB, size - written)));
    }
  } finally {
    await handle.close();
  }
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

export async function createContext(): Promise<BenchContext> {
  const dir = await mkdtemp(path.join(BIG_FILE_DIR, 'idrive-bench-file-'));
  const ceilingsDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-disk-'));
  const bigFile = once(async () => {
    const file = path.join(dir, 'bench.bin');
    await writeRandomFile(file, FILE_SIZE);
    return file;
  });
  return {
    bigFile,
    ceilings: once(() => measureCeilings(ceilingsDir)),
    close: async () => {
      await rm(dir, { recursive: true, force: true });
      await rm(ceilingsDir, { recursive: true, force: true });
    },
  };
}
