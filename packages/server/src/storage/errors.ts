/** Where in a file's stored data an integrity check failed (both indexes are file-wide, counted from 0). */
export interface IntegrityLocation {
  chunk?: number;
  segment?: number;
}

/**
 * Stored data failed authentication: a chunk or segment was altered, truncated, reordered or belongs to
 * another file. Readers throw it instead of ever returning unauthenticated bytes.
 */
export class IntegrityError extends Error {
  readonly code = 'integrity_failed';
  readonly chunk: number | undefined;
  readonly segment: number | undefined;

  constructor(message: string, where: IntegrityLocation = {}) {
    super(message);
    this.name = 'IntegrityError';
    this.chunk = where.chunk;
    this.segment = where.segment;
  }

  /** The standard message for a segment whose AES-GCM tag did not verify. */
  static segment(segment: number, chunk?: number): IntegrityError {
    const where = chunk === undefined ? `segment ${segment}` : `chunk ${chunk}, segment ${segment}`;
    return new IntegrityError(`Stored data failed its integrity check (${where}): the file is damaged`, {
      chunk,
      segment,
    });
  }
}

/** An error as it crosses between threads (a cipher thread's answer): an IntegrityError stays one. */
export interface ThreadError {
  message: string;
  integrity: IntegrityLocation | undefined;
}

export function toThreadError(err: unknown): ThreadError {
  const integrity = err instanceof IntegrityError ? { chunk: err.chunk, segment: err.segment } : undefined;
  return { message: err instanceof Error ? err.message : String(err), integrity };
}

export function fromThreadError({ message, integrity }: ThreadError): Error {
  return integrity ? new IntegrityError(message, integrity) : new Error(message);
}

/** The store no longer has a chunk that the metadata says it holds. */
export class ChunkMissingError extends Error {
  readonly code = 'chunk_missing';

  constructor(
    readonly locator: string,
    readonly store?: string,
  ) {
    super(`Stored chunk ${locator} is missing${store === undefined ? '' : ` from the "${store}" store`}`);
    this.name = 'ChunkMissingError';
  }
}
