import { SEGMENT_SIZE, SEGMENT_TAG_SIZE } from '@idrive/shared';
import { CHUNK_TRAILER_SIZE, type OpenPlan } from './chunk-format.js';
import type { ChunkStore } from './chunk-store.js';
import { ChunkMissingError, IntegrityError } from './errors.js';
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

/** The other copies of a chunk's object (docs/decisions.md, "Replicas"). */
export interface CopySource {
  /** Locators of the object's other good copies, in the same store. */
  others(ref: StoredChunkRef): Promise<string[]>;
  /** Told of a copy found gone or damaged (not of one that merely failed to answer). */
  lost(ref: StoredChunkRef, locator: string, err: Error): void;
}

export interface ReadOptions {
  stores: (name: string) => ChunkStore;
  /**
   * Where a chunk is read from when the copy its record names fails: it is gone, its URL will not
   * refresh, it does not answer, or it does not open. Asked only then.
   */
  copies?: CopySource;
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
  const { chunkSize, size, chunks, start, end } = opts;
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
      const copies = new CopyCursor(p.ref, opts.copies);
      const fetched = fetchSealed(opts.stores, p, p.ref.locator, into, opts.buffers, copies);
      const turn = Promise.all([fetched, handedOver]);
      // The next chunk is handed to the session once this one opened (before it is hashed): a copy
      // read again because this one did not open must reach the session before the next chunk.
      let handOver!: () => void;
      let refuse!: (err: unknown) => void;
      const handed = new Promise<void>((resolve, reject) => {
        handOver = resolve;
        refuse = reject;
      });
      const opened = turn.then(([got]) => openCopies(session, opts, p, got, copies, handOver));
      opened.then(handOver, refuse);
      handed.catch(() => undefined);
      handedOver = handed;
      // A chunk fetched while an earlier one failed is never opened: its buffer goes back here.
      turn.catch(() => fetched.then(({ sealed }) => opts.buffers?.release(sealed)).catch(() => undefined));
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

/**
 * The copies of one chunk's object a read may take: the one its record names, then the others,
 * asked for once, never one twice.
 */
class CopyCursor {
  private others: Promise<string[]> | undefined;
  private readonly tried = new Set<string>();

  constructor(
    private readonly ref: StoredChunkRef,
    private readonly source: CopySource | undefined,
  ) {}

  /** The copy to try after `failed` failed with `err`, if any is left. */
  async next(failed: string, err: unknown): Promise<string | undefined> {
    this.tried.add(failed);
    if (!this.source) return undefined;
    if (err instanceof ChunkMissingError || err instanceof IntegrityError) {
      this.source.lost(this.ref, failed, err);
    }
    this.others ??= this.source.others(this.ref).catch(() => []);
    return (await this.others).find((locator) => !this.tried.has(locator));
  }
}

/**
 * A chunk's sealed bytes from the copy at `locator`, or from another copy when that one fails, in
 * `into` when the store can; `into` goes back to `buffers` unless returned.
 */
async function fetchSealed(
  stores: ReadOptions['stores'],
  p: ChunkPlan,
  locator: string,
  into: Buffer | Promise<Buffer> | undefined,
  buffers: ChunkBudget | undefined,
  copies: CopyCursor,
): Promise<{ sealed: Buffer; locator: string }> {
  const wanted = p.sealedEnd - p.sealedStart;
  const buffer = await into;
  const offset = p.ref.offset ?? 0;
  for (let from = locator; ;) {
    let sealed: Buffer;
    try {
      sealed = await stores(p.ref.store).get(
        from,
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
      const next = await copies.next(from, err);
      if (next !== undefined) {
        from = next;
        continue;
      }
      if (buffer) buffers?.release(buffer);
      throw err;
    }
    if (buffer && sealed.buffer !== buffer.buffer) buffers?.release(buffer);
    return { sealed, locator: from };
  }
}

/** Opens a chunk; when its bytes do not open, reads and opens another copy of it. */
async function openCopies(
  session: CipherSession,
  opts: ReadOptions,
  p: ChunkPlan,
  got: { sealed: Buffer; locator: string },
  copies: CopyCursor,
  decrypted: () => void,
): Promise<Buffer> {
  for (let { sealed, locator } = got; ;) {
    try {
      return await session.open(opts.cipher, sealed, p.open, decrypted);
    } catch (err) {
      opts.buffers?.release(sealed);
      const next = err instanceof IntegrityError ? await copies.next(locator, err) : undefined;
      if (next === undefined) throw err;
      // Into plain memory: waiting for a pooled buffer here could wait on this reader's chunks ahead.
      ({ sealed, locator } = await fetchSealed(opts.stores, p, next, undefined, opts.buffers, copies));
    }
  }
}

const INLINE = new CipherPool(0);
