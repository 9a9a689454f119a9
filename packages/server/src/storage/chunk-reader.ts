import { SEGMENT_SIZE, SEGMENT_TAG_SIZE } from '@idrive/shared';
import { CHUNK_TRAILER_SIZE, type OpenPlan } from './chunk-format.js';
import type { ChunkStore } from './chunk-store.js';
import { IntegrityError } from './errors.js';
import type { ChunkBudget } from './chunk-budget.js';
import { CipherPool, type CipherSession } from './cipher-pool.js';
import { chunkCount, sealedSize, segmentCount, type SegmentCipher } from './segment-cipher.js';

const SEALED_SEGMENT = SEGMENT_SIZE + SEGMENT_TAG_SIZE;

/** One stored chunk of a file version, as its record says. */
export interface StoredChunkRef {
  index: number;
  store: string;
  locator: string;
  plainSize: number;
  /** Where the chunk starts within its stored object (a pack holds many chunks); 0 when alone. */
  offset?: number;
  /** In a pack: then it has no trailer of its own, whatever its format (the pack has one). */
  packed?: boolean;
}

/** Whether a chunk ends with a trailer of its own: format 2, stored alone. */
export function hasTrailer(ref: StoredChunkRef, cipher: SegmentCipher): boolean {
  return cipher.binding !== undefined && ref.packed !== true;
}

/** The bytes of a chunk read whole: its sealed segments, and its trailer when it has one. */
export function storedChunkBytes(ref: StoredChunkRef, cipher: SegmentCipher): number {
  return sealedSize(ref.plainSize) + (hasTrailer(ref, cipher) ? CHUNK_TRAILER_SIZE : 0);
}

export interface ReadOptions {
  stores: (name: string) => ChunkStore;
  cipher: SegmentCipher;
  /** Where opening runs (and, for a session that hashes, the SHA-256 is kept); inline when not given. */
  session?: CipherSession;
  /**
   * Where chunk buffers come from. The Buffers yielded are views into them, and a consumer must give
   * each back (ChunkBudget.release) once it is done with it, before it asks for the next: the budget
   * is shared, and a buffer never given back is lost to every reader.
   */
  buffers?: ChunkBudget;
  chunkSize: number;
  /** The file's plaintext size. */
  size: number;
  /** Every chunk of the file, sorted by index. */
  chunks: StoredChunkRef[];
  /** The SHA-256 its record gives, which the final chunk's trailer must carry too (format 2). */
  sha256?: string | null;
  /**
   * The chunks are what is stored so far of a file still being written (`size` is their bytes), so
   * none of them holds the final segment.
   */
  unfinished?: boolean;
  /** First plaintext byte wanted (inclusive). */
  start: number;
  /** End of the wanted bytes (exclusive); start <= end <= size. */
  end: number;
  /** Chunks fetched ahead of the one being decrypted (default 1). */
  readAhead?: number;
}

/** What to fetch from one chunk and which part of its opened segments to hand out. */
interface ChunkPlan {
  ref: StoredChunkRef;
  /** The segments fetched, and the trailer when the whole chunk is. */
  open: OpenPlan;
  /** Sealed byte range within the chunk. */
  sealedStart: number;
  sealedEnd: number;
  /** The wanted bytes within the opened plaintext. */
  sliceStart: number;
  sliceEnd: number;
}

/**
 * Plaintext bytes [start, end) of a stored file, one Buffer per chunk touched. Only the sealed segments
 * covering the range are fetched (a ranged get) and opened; the next chunk is fetched while the current
 * one is decrypted and consumed. Any tampering, truncation, reordering or foreign chunk throws
 * IntegrityError; unauthenticated bytes are never yielded.
 */
export async function* readPlaintext(opts: ReadOptions): AsyncGenerator<Buffer> {
  const { cipher, chunkSize, size, chunks, start, end } = opts;
  const readAhead = opts.readAhead ?? 1;
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize % SEGMENT_SIZE !== 0) {
    throw new RangeError(`The chunk size must be a positive multiple of ${SEGMENT_SIZE}, not ${chunkSize}`);
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Invalid file size ${size}`);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > size) {
    throw new RangeError(`Invalid range ${start}-${end} of a ${size}-byte file`);
  }
  if (!Number.isSafeInteger(readAhead) || readAhead < 0)
    throw new RangeError(`Invalid readAhead ${readAhead}`);
  checkChunkList(chunks, size, chunkSize);
  if (start === end) return;

  const first = Math.floor(start / chunkSize);
  const last = Math.floor((end - 1) / chunkSize);
  const plans: ChunkPlan[] = [];
  for (let k = first; k <= last; k++) plans.push(plan(chunks[k]!, opts, start, end));

  const session = opts.session ?? INLINE.session(false);
  // Each entry fetches a chunk's bytes and opens them, so the next chunks are fetched and decrypted
  // while the current one is being sent. Fetches may finish in any order, but chunks are handed to
  // the session in file order, because the session may be hashing the plaintext.
  const fetches = new Map<number, Promise<Buffer>>();
  let handedOver: Promise<unknown> = Promise.resolve();
  const fetchAhead = (from: number) => {
    for (let i = from; i < Math.min(plans.length, from + 1 + readAhead); i++) {
      if (fetches.has(i)) continue;
      const p = plans[i]!;
      const wanted = p.sealedEnd - p.sealedStart;
      // Only the chunk needed now may wait for a buffer, and only while this reader holds none ahead
      // of it: chunks ahead take one when it is free at once, or wait for a later turn.
      const into = i === from ? opts.buffers?.acquire(wanted) : opts.buffers?.tryAcquire(wanted);
      if (opts.buffers && !into) return;
      const fetched = fetchSealed(opts.stores, p, into, opts.buffers);
      const turn = Promise.all([fetched, handedOver]);
      const opened = turn.then(([sealed]) =>
        session.open(cipher, sealed, p.open).catch((err: unknown) => {
          opts.buffers?.release(sealed);
          throw err;
        }),
      );
      handedOver = turn;
      // A chunk fetched while an earlier one failed is never opened: its buffer goes back here.
      turn.catch(() => fetched.then((sealed) => opts.buffers?.release(sealed)).catch(() => undefined));
      // A prefetch may fail while nobody awaits it (or after the consumer stopped reading); the
      // failure is reported when its turn comes, not as an unhandled rejection.
      opened.catch(() => undefined);
      fetches.set(i, opened);
    }
  };
  try {
    for (let i = 0; i < plans.length; i++) {
      fetchAhead(i);
      const plain = await fetches.get(i)!;
      fetches.delete(i);
      yield plain.subarray(plans[i]!.sliceStart, plans[i]!.sliceEnd);
    }
  } finally {
    // A consumer that stops early (a client gone) leaves chunks fetched ahead: their buffers go back
    // once their fetch settles.
    for (const pending of fetches.values()) {
      pending.then((plain) => opts.buffers?.release(plain)).catch(() => undefined);
    }
  }
}

/** The chunk records must be exactly chunks 0..n-1 of a file this size, each with the size the layout gives it. */
function checkChunkList(chunks: StoredChunkRef[], size: number, chunkSize: number): void {
  const expected = chunkCount(size, chunkSize);
  if (chunks.length !== expected) {
    throw new IntegrityError(
      `A ${size}-byte file should have ${expected} chunk(s) but ${chunks.length} are recorded: the file is damaged`,
    );
  }
  chunks.forEach((chunk, k) => {
    if (chunk.index !== k) {
      throw new IntegrityError(`Chunk ${k} of the file is missing from its records: the file is damaged`, {
        chunk: k,
      });
    }
    const plainSize = Math.min(chunkSize, size - k * chunkSize);
    if (chunk.plainSize !== plainSize) {
      throw new IntegrityError(
        `Chunk ${k} is recorded as ${chunk.plainSize} bytes instead of ${plainSize}: the file is damaged`,
        { chunk: k },
      );
    }
  });
}

/**
 * The segments of one chunk that [start, end) covers. A chunk read whole (format 2, stored alone)
 * is fetched with its trailer, which must then name the chunk its record expects.
 */
function plan(ref: StoredChunkRef, opts: ReadOptions, start: number, end: number): ChunkPlan {
  const { chunkSize, size, chunks, cipher } = opts;
  const isLastChunk = opts.unfinished !== true && ref.index === chunks.length - 1;
  const chunkStart = ref.index * chunkSize;
  const localStart = Math.max(start, chunkStart) - chunkStart;
  const localEnd = Math.min(end, chunkStart + ref.plainSize) - chunkStart;
  const segmentsInChunk = segmentCount(ref.plainSize);
  const j0 = Math.floor(localStart / SEGMENT_SIZE);
  const j1 = Math.min(segmentsInChunk, Math.ceil(localEnd / SEGMENT_SIZE));
  const plainBytes = Math.min(j1 * SEGMENT_SIZE, ref.plainSize) - j0 * SEGMENT_SIZE;
  const whole = j0 === 0 && j1 === segmentsInChunk && hasTrailer(ref, cipher);
  const final = isLastChunk ? { chunks: chunks.length, fileSize: size, sha256: opts.sha256 ?? null } : null;
  const open: OpenPlan = {
    firstSegment: ref.index * (chunkSize / SEGMENT_SIZE) + j0,
    segments: j1 - j0,
    plainBytes,
    holdsLast: isLastChunk && j1 === segmentsInChunk,
    chunkIndex: ref.index,
    ...(whole ? { trailer: { index: ref.index, chunkSize, plainSize: ref.plainSize, final } } : {}),
  };
  return {
    ref,
    open,
    sealedStart: j0 * SEALED_SEGMENT,
    sealedEnd: whole
      ? storedChunkBytes(ref, cipher)
      : Math.min(j1 * SEALED_SEGMENT, sealedSize(ref.plainSize)),
    sliceStart: localStart - j0 * SEGMENT_SIZE,
    sliceEnd: localEnd - j0 * SEGMENT_SIZE,
  };
}

/** A chunk's sealed bytes, in `into` when the store can; `into` goes back to `buffers` unless returned. */
async function fetchSealed(
  stores: ReadOptions['stores'],
  p: ChunkPlan,
  into: Buffer | Promise<Buffer> | undefined,
  buffers: ChunkBudget | undefined,
): Promise<Buffer> {
  const wanted = p.sealedEnd - p.sealedStart;
  const buffer = await into;
  const offset = p.ref.offset ?? 0;
  let sealed: Buffer;
  try {
    sealed = await stores(p.ref.store).get(
      p.ref.locator,
      { start: offset + p.sealedStart, end: offset + p.sealedEnd },
      buffer,
    );
    if (sealed.length !== wanted) {
      throw new IntegrityError(
        `Stored chunk ${p.ref.index} returned ${sealed.length} bytes where ${wanted} were expected: the file is damaged`,
        { chunk: p.ref.index },
      );
    }
  } catch (err) {
    if (buffer) buffers?.release(buffer);
    throw err;
  }
  if (buffer && sealed.buffer !== buffer.buffer) buffers?.release(buffer);
  return sealed;
}

const INLINE = new CipherPool(0);
