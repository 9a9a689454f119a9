import { hasTrailer, storedChunkBytes, type StoredChunkRef } from './chunk-reader.js';
import type { ChunkStore } from './chunk-store.js';
import type { CipherPool } from './cipher-pool.js';
import { fromThreadError, IntegrityError } from './errors.js';
import type { PackedSlice } from './packed-open.js';
import type { SegmentCipher } from './segment-cipher.js';

/**
 * The most sealed bytes one ranged get of a pack covers. Well below the ChunkBudget's smallest
 * pooled read (2 MiB), so a run is a plain allocation that its files' plaintext can stay a view of
 * until each is sent, with no pooled buffer to give back; the caller bounds how many runs it holds.
 */
export const PACK_RUN_BYTES = 1024 * 1024;
/**
 * Bytes between two wanted files of a pack (files not wanted now) that are read and dropped rather
 * than starting another get: reading 64 KiB more from the same object costs less than a request.
 */
const PACK_RUN_GAP = 64 * 1024;

/** A small file whose single chunk is to be read whole. */
export interface PackedRead {
  chunk: StoredChunkRef;
  cipher: SegmentCipher;
  /** Its version's chunk size and recorded SHA-256, which a trailer (format 2, stored alone) must give. */
  chunkSize: number;
  sha256: string | null;
}

/** A file's plaintext (a view into its run's buffer) and the SHA-256 of it. */
export interface PackedPlain {
  plain: Buffer;
  sha256: string;
}

interface Run {
  store: string;
  locator: string;
  start: number;
  end: number;
  /** Indexes into the files asked for. */
  members: number[];
}

/**
 * Reads many small one-chunk files together: files in the same stored object (a pack) whose bytes
 * lie close together come in one ranged get, and are opened (each under its own key, each
 * authenticated) in one cipher job. Returns one promise per file, in order; a file that fails its
 * check fails alone, a get that fails fails the files of its run.
 */
export function readPackedFiles(
  stores: (name: string) => ChunkStore,
  pool: CipherPool,
  files: readonly PackedRead[],
): Promise<PackedPlain>[] {
  const results: Promise<PackedPlain>[] = [];
  for (const run of packRuns(files)) {
    const read = readRun(stores, pool, run, files);
    run.members.forEach((file, k) => {
      results[file] = read.then((outcomes) => {
        const outcome = outcomes[k]!;
        if (outcome instanceof Error) throw outcome;
        return outcome;
      });
    });
  }
  return results;
}

/** Runs of files in the same object, in offset order, within the gap and size a get may span. */
export function packRuns(files: readonly PackedRead[]): Run[] {
  const order = files.map((_, i) => i);
  const key = (i: number) => `${files[i]!.chunk.store}\0${files[i]!.chunk.locator}`;
  const offset = (i: number) => files[i]!.chunk.offset ?? 0;
  order.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : offset(a) - offset(b)));
  const runs: Run[] = [];
  let run: Run | undefined;
  for (const i of order) {
    const { chunk, cipher } = files[i]!;
    const { store, locator } = chunk;
    const start = offset(i);
    const end = start + storedChunkBytes(chunk, cipher);
    const joins =
      run !== undefined &&
      run.store === store &&
      run.locator === locator &&
      start >= run.end &&
      start - run.end <= PACK_RUN_GAP &&
      end - run.start <= PACK_RUN_BYTES;
    if (joins) {
      run!.end = end;
      run!.members.push(i);
    } else {
      run = { store, locator, start, end, members: [i] };
      runs.push(run);
    }
  }
  return runs;
}

async function readRun(
  stores: (name: string) => ChunkStore,
  pool: CipherPool,
  run: Run,
  files: readonly PackedRead[],
): Promise<(PackedPlain | Error)[]> {
  const sealed = await stores(run.store).get(run.locator, { start: run.start, end: run.end });
  if (sealed.length !== run.end - run.start) {
    throw new IntegrityError(
      `A stored pack returned ${sealed.length} bytes where ${run.end - run.start} were expected: the files in it are damaged`,
      { chunk: 0 },
    );
  }
  const slices = run.members.map((i): PackedSlice & { cipher: SegmentCipher } => {
    const { chunk, cipher, chunkSize, sha256 } = files[i]!;
    const at = (chunk.offset ?? 0) - run.start;
    const { plainSize } = chunk;
    const slice = { cipher, at, sealedBytes: storedChunkBytes(chunk, cipher), plainBytes: plainSize };
    if (!hasTrailer(chunk, cipher)) return slice;
    const final = { chunks: 1, fileSize: plainSize, sha256 };
    return { ...slice, trailer: { index: 0, chunkSize, plainSize, final } };
  });
  const { opened, outcomes } = await pool.openPacked(sealed, slices);
  return outcomes.map((outcome, k) => {
    if ('error' in outcome) return fromThreadError(outcome.error);
    const { at, plainBytes } = slices[k]!;
    return { plain: opened.subarray(at, at + plainBytes), sha256: outcome.digest };
  });
}
