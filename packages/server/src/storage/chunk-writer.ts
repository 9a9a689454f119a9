import { randomUUID } from 'node:crypto';
import { SEGMENT_SIZE } from '@idrive/shared';
import type { ChunkStore } from './chunk-store.js';
import { BufferPool } from './buffer-pool.js';
import { chunkBufferSize, trailerSize } from './chunk-format.js';
import { CipherPool, type CipherSession } from './cipher-pool.js';
import { chunkCount, sealedSize, type SegmentCipher } from './segment-cipher.js';
import { WriterShare } from './writer-share.js';

/** A chunk about to be stored: its index in the file and the key it is stored under. */
export interface PendingChunk {
  index: number;
  key: string;
}

/** A chunk the store has acknowledged. */
export interface StoredChunk extends PendingChunk {
  locator: string;
  plainSize: number;
  /** Bytes stored: its sealed segments and, in format 2, its trailer. */
  sealedSize: number;
}

export interface ChunkWriterOptions {
  store: ChunkStore;
  /** Its format is the format written: a version keeps the format it was started in. */
  cipher: SegmentCipher;
  /** Where sealing runs (and the file's SHA-256 is kept); inline on this thread when not given. */
  session?: CipherSession;
  /**
   * Set when `session` has not hashed the file from its first byte (an upload continued after a
   * restart, or on another instance). At finish, once every chunk before it is stored, it is asked
   * for a session that has hashed the `bytes` stored so far, and the rest is sealed in that one:
   * a format-2 final chunk carries the file's SHA-256, which that session then gives.
   */
  rehash?: (bytes: number) => Promise<CipherSession>;
  /**
   * Where whole-chunk buffers come from, shared with other uploads: each holds a chunk's plaintext
   * and then, sealed in place, its sealed bytes and trailer, so it is `chunkBufferSize(chunkSize)` long.
   */
  buffers?: BufferPool;
  /** Plaintext bytes per chunk; a multiple of SEGMENT_SIZE. */
  chunkSize: number;
  /** Total plaintext size when known (tus, Content-Length); when unknown the writer holds back a full chunk until it sees more data or finish(), because only then does it know whether that chunk holds the final segment. */
  totalSize?: number;
  /** Index of the first chunk this writer produces, and plaintext already waiting before it (a resumed upload: bytes received after the last stored chunk). */
  firstChunkIndex?: number;
  pending?: Buffer;
  /**
   * How many puts may be in flight at once (default: what the store asks for, else 2): encryption of
   * chunk k+1 overlaps the store write of chunk k. Ignored when `share` is given.
   */
  concurrency?: number;
  /** The puts in flight every writer to this store shares (see WriterShare); one of its own when not given. */
  share?: WriterShare;
  /** Called before a chunk is stored (to record the key as pending, so a crash leaves nothing unaccounted), and after it is stored. */
  beforePut(chunk: PendingChunk): Promise<void>;
  afterPut(chunk: StoredChunk): Promise<void>;
}

/**
 * Turns a stream of plaintext pieces into sealed chunks in a ChunkStore. Chunk k holds plaintext bytes
 * [k*chunkSize, min((k+1)*chunkSize, size)), sealed segment by segment; the file's final segment is
 * sealed with the last flag, so a chunk is only sealed once the writer knows whether it is the last.
 *
 * Memory stays near chunkSize*(share+1): the chunk being filled, plus one buffer per chunk in
 * flight (this writer's part of the store's share), which holds its plaintext, is sealed in place and goes back to the pool once stored; at
 * most two of them wait for the cipher at once.
 * Call write/finish one at a time.
 */
export class ChunkWriter {
  private readonly store: ChunkStore;
  private readonly cipher: SegmentCipher;
  private session: CipherSession;
  private readonly rehash: ChunkWriterOptions['rehash'];
  private readonly chunkSize: number;
  private readonly totalSize: number | undefined;
  private readonly share: WriterShare;
  /** Counts this writer out of the share (in from its first chunk on, out once finished, paused or aborted). */
  private leave: (() => void) | undefined;
  private readonly firstChunkIndex: number;
  private readonly beforePut: ChunkWriterOptions['beforePut'];
  private readonly afterPut: ChunkWriterOptions['afterPut'];

  /** Plaintext handed to the constructor, taken in by the first write or finish. */
  private pending: Buffer | null;
  /** Index of the chunk being filled. */
  private nextIndex: number;
  /** Absolute plaintext offset of `buffer[0]`. */
  private chunkStart: number;
  private buffer: Buffer = Buffer.alloc(0);
  private filled = 0;
  private readonly buffers: BufferPool;
  private readonly inFlight = new Set<Promise<void>>();
  /** Chunks in flight whose buffer the store has not written yet, at most `heldLimit`; each settles once it has. */
  private readonly held = new Set<Promise<void>>();
  private readonly heldLimit: number;
  /** Chunks handed to the cipher and not sealed yet; more than two would only hold plaintext longer. */
  private readonly sealing = new Set<Promise<void>>();
  /** The store's notice that the chunk being filled will follow (see ChunkStore.incoming). */
  private coming: { done(): void } | undefined;
  private failure: { error: unknown } | null = null;
  private busy = false;
  private done = false;

  constructor(options: ChunkWriterOptions) {
    const { chunkSize, totalSize, firstChunkIndex = 0 } = options;
    const concurrency = options.concurrency ?? chunksInFlight(options.store);
    if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize % SEGMENT_SIZE !== 0) {
      throw new RangeError(`The chunk size must be a positive multiple of ${SEGMENT_SIZE}, not ${chunkSize}`);
    }
    const stored = sealedSize(chunkSize) + trailerSize(options.cipher);
    if (stored > options.store.limits.maxChunkBytes) {
      throw new RangeError(
        `A ${chunkSize}-byte chunk is stored as ${stored} bytes, more than the "${options.store.name}" ` +
          `store takes (${options.store.limits.maxChunkBytes})`,
      );
    }
    if (!Number.isSafeInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be at least 1');
    if (totalSize !== undefined && (!Number.isSafeInteger(totalSize) || totalSize < 0)) {
      throw new RangeError(`Invalid total size ${totalSize}`);
    }
    if (!Number.isSafeInteger(firstChunkIndex) || firstChunkIndex < 0) {
      throw new RangeError(`Invalid first chunk index ${firstChunkIndex}`);
    }
    const pending = options.pending ?? Buffer.alloc(0);
    this.store = options.store;
    this.cipher = options.cipher;
    this.session = options.session ?? INLINE.session(true);
    this.rehash = options.rehash;
    this.buffers = options.buffers ?? new BufferPool(chunkBufferSize(chunkSize), 0);
    this.chunkSize = chunkSize;
    this.totalSize = totalSize;
    this.share = options.share ?? new WriterShare(concurrency);
    this.heldLimit = options.store.limits.chunksHeld ?? Infinity;
    this.firstChunkIndex = firstChunkIndex;
    this.beforePut = options.beforePut;
    this.afterPut = options.afterPut;
    this.nextIndex = firstChunkIndex;
    this.chunkStart = firstChunkIndex * chunkSize;
    this.pending = pending.length > 0 ? pending : null;

    if (totalSize !== undefined) {
      const chunks = chunkCount(totalSize, chunkSize);
      if (firstChunkIndex > chunks) {
        throw new RangeError(`Chunk ${firstChunkIndex} is past the end of a ${totalSize}-byte file`);
      }
      // Every chunk, the final one included, was stored before (a crash between the last put and the
      // commit): there is nothing left to write, and finish() only confirms the size.
      if (firstChunkIndex === chunks) this.chunkStart = totalSize;
      if (this.chunkStart + pending.length > totalSize) throw this.tooLong(this.chunkStart + pending.length);
    }
  }

  /** Takes in one piece of plaintext; resolves when the writer is ready for more (the back-pressure). */
  async write(piece: Buffer): Promise<void> {
    this.enter();
    try {
      await this.takePending();
      await this.ingest(piece);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Seals and stores the rest with the final flag and waits until every chunk is acknowledged. With
   * totalSize known, throws if the bytes received differ from it. A 0-byte file gives one chunk holding
   * one empty final segment.
   */
  async finish(): Promise<{ size: number; chunks: number }> {
    this.enter();
    try {
      await this.takePending();
      const size = this.chunkStart + this.filled;
      if (this.totalSize !== undefined && size !== this.totalSize) {
        throw new Error(
          `The upload ended after ${size} bytes, but its size was given as ${this.totalSize} bytes`,
        );
      }
      const alreadyComplete =
        this.totalSize !== undefined && this.firstChunkIndex === chunkCount(this.totalSize, this.chunkSize);
      if (this.rehash) {
        await this.drain();
        this.throwIfFailed();
        this.session = await this.rehash(this.chunkStart);
      }
      if (!alreadyComplete) {
        if (this.filled === 0 && this.nextIndex > 0) {
          // Only reachable when a resumed writer without totalSize gets no bytes: chunk nextIndex-1 was
          // sealed as not final, and a file's chunks cannot end with an empty one.
          throw new Error('Nothing to finish: the previous chunk was not sealed as the last one');
        }
        this.dispatch(true);
      }
      await this.drain();
      this.throwIfFailed();
      this.stopPromising();
      return { size, chunks: this.nextIndex };
    } catch (err) {
      this.stopPromising();
      await this.drain();
      throw err;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Waits for in-flight puts and returns the plaintext received after the last stored chunk, unsealed,
   * for a resumable upload to stage. The writer is done after that. Rejects if a put failed, because
   * that chunk's plaintext is no longer held.
   */
  async pause(): Promise<Buffer> {
    this.enter();
    this.stopPromising();
    try {
      await this.drain();
      this.throwIfFailed();
      const held = this.buffer.subarray(0, this.filled);
      return this.pending ? Buffer.concat([this.pending, held]) : held;
    } finally {
      this.busy = false;
    }
  }

  /** Stops the writer and waits for in-flight puts, so that no put runs after this resolves. Never rejects. */
  async abort(): Promise<void> {
    this.stopPromising();
    await this.drain();
  }

  /** No chunk follows any more: the store need not wait for one. */
  private stopPromising(): void {
    this.done = true;
    this.leave?.();
    this.coming?.done();
    this.coming = undefined;
  }

  private enter(): void {
    if (this.done) throw new Error('This chunk writer is already finished, paused or aborted');
    if (this.busy) throw new Error('A chunk writer takes one call at a time; await the previous one');
    this.throwIfFailed();
    this.busy = true;
  }

  private async takePending(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    await this.ingest(pending);
  }

  private async ingest(piece: Buffer): Promise<void> {
    const received = this.chunkStart + this.filled;
    if (this.totalSize !== undefined && received + piece.length > this.totalSize) {
      throw this.tooLong(received + piece.length);
    }
    let pos = 0;
    while (pos < piece.length) {
      // More data after a full chunk proves that chunk is not the file's last.
      if (this.filled === this.chunkSize) await this.dispatchAndWait();
      this.reserve();
      const n = Math.min(piece.length - pos, this.buffer.length - this.filled);
      piece.copy(this.buffer, this.filled, pos, pos + n);
      this.filled += n;
      pos += n;
    }
    // With the size known, a full chunk that ends before it cannot be the last: store it now.
    if (
      this.filled === this.chunkSize &&
      this.totalSize !== undefined &&
      this.chunkStart + this.filled < this.totalSize
    ) {
      await this.dispatchAndWait();
    }
    this.throwIfFailed();
  }

  /** Makes sure the buffer can take the rest of the current chunk, sized to the file when that is smaller. */
  private reserve(): void {
    const want =
      this.totalSize === undefined
        ? this.chunkSize
        : Math.min(this.chunkSize, this.totalSize - this.chunkStart);
    if (this.buffer.length >= want) return;
    // Room for the tags and a trailer after the plaintext, so that the chunk can be sealed where it is.
    const grown = this.buffers.acquire(chunkBufferSize(want)).subarray(0, want);
    this.buffer.copy(grown, 0, 0, this.filled);
    this.buffer = grown;
  }

  private async dispatchAndWait(): Promise<void> {
    this.throwIfFailed();
    this.dispatch(false);
    while (
      this.inFlight.size >= this.share.perWriter ||
      this.held.size >= this.heldLimit ||
      this.sealing.size >= SEALING_AHEAD
    )
      await Promise.race([...this.inFlight, ...this.sealing, ...this.held]);
    this.throwIfFailed();
  }

  /** Hands the buffered chunk to be sealed and stored; the writer fills a fresh buffer meanwhile. */
  private dispatch(final: boolean): void {
    this.leave ??= this.share.join();
    const index = this.nextIndex;
    const plain = this.buffer.subarray(0, this.filled);
    const place = { index, chunkSize: this.chunkSize, final };
    // The buffer may be moved to a worker thread, so the next chunk gets its own.
    this.buffer = Buffer.alloc(0);
    this.nextIndex++;
    this.chunkStart += plain.length;
    this.filled = 0;

    const key = randomUUID();
    const plainSize = plain.length;
    // This chunk keeps the previous one's promise; a chunk that is not the last promises the next.
    const promised = this.coming;
    this.coming = final ? undefined : this.store.incoming?.();
    let letGo: () => void = () => undefined;
    const held: Promise<void> = new Promise<void>((resolve) => (letGo = resolve)).then(
      () => void this.held.delete(held),
    );
    this.held.add(held);
    const task = (async () => {
      let stored: Promise<string>;
      let sealed: Buffer;
      let free: (() => void) | undefined;
      try {
        const sealing = this.session.seal(this.cipher, plain, place);
        const tracked: Promise<void> = sealing.then(
          () => void this.sealing.delete(tracked),
          () => void this.sealing.delete(tracked),
        );
        this.sealing.add(tracked);
        const result = await sealing;
        sealed = result.sealed;
        if (result.plain.buffer !== sealed.buffer) this.buffers.release(result.plain);
        await this.beforePut({ index, key });
        // Back to the pool once the store reads it no more, or once put() settles; only once, because
        // another chunk may have the buffer by the second time.
        const bytes = sealed;
        let freed = false;
        free = () => {
          if (freed) return;
          freed = true;
          letGo();
          this.buffers.release(bytes);
        };
        stored = this.store.put(key, sealed, free);
      } finally {
        promised?.done();
      }
      const locator = await stored;
      free?.();
      await this.afterPut({ index, key, locator, plainSize, sealedSize: sealed.length });
    })();
    const tracked: Promise<void> = task
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        letGo();
        this.inFlight.delete(tracked);
      });
    this.inFlight.add(tracked);
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private tooLong(received: number): Error {
    return new Error(`The upload sent ${received} bytes, more than its size of ${this.totalSize} bytes`);
  }
}

const INLINE = new CipherPool(0);
/** One chunk sealing and the next one queued behind it keep the session's cipher thread busy. */
const SEALING_AHEAD = 2;

/** How many chunks the writers to `store` keep in flight, together, unless told otherwise. */
export function chunksInFlight(store: ChunkStore): number {
  return store.limits.chunksInFlight ?? 2;
}
