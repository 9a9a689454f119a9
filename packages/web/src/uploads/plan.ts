/**
 * How an upload queue is sent: files up to SMALL_FILE_MAX go many to a request through the batch
 * route (the server packs them into one stored object); bigger ones go one by one through tus,
 * which can pause and resume.
 */

/** The server's PACKED_FILE_MAX: bigger files are not packed, so batching them gains nothing. */
export const SMALL_FILE_MAX = 1024 * 1024;

export interface BatchLimits {
  maxFiles: number;
  maxBytes: number;
}

/** A batch request stays short enough that its progress moves and a failure costs little. */
export const BATCH_LIMITS: BatchLimits = { maxFiles: 200, maxBytes: 8 * 1024 * 1024 };

export function isSmall(size: number): boolean {
  return size <= SMALL_FILE_MAX;
}

/**
 * Splits files, in order, into batches of at most `maxFiles` files and `maxBytes` bytes; a file
 * bigger than `maxBytes` still travels, alone.
 */
export function splitBatches<T extends { size: number }>(files: readonly T[], limits: BatchLimits): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= limits.maxFiles || bytes + file.size > limits.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The folder part of a relative path: `a/b/c.txt` → `a/b`, `c.txt` → ``. */
export function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The last part of a relative path: `a/b/c.txt` → `c.txt`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
