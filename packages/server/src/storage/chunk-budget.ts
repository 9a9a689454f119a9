/**
 * The chunk buffers of every download in the process: at most `limit` of them, each created once in
 * shared memory and reused for ever. A pool that drops buffers past a few kept ones lets memory grow
 * with the number of downloads, and dropped shared memory is only freed once every thread that saw it
 * (the cipher threads open chunks in place) has collected its garbage, which may be never. A fixed
 * set bounds the peak and leaves nothing to collect.
 *
 * When every buffer is out, `acquire` waits for one to come back (the back-pressure); buffers go to
 * waiters in the order they asked. `tryAcquire` never waits, and never takes a buffer a waiter is
 * owed: a reader fetching ahead uses it, so that a reader only ever waits for the chunk it needs
 * next while holding no other buffer, and every reader can always progress.
 *
 * Small reads (a range's edge, a small file, a zip's small entries read ahead) are plain allocations:
 * a whole buffer would be mostly waste, and a consumer may hold many of them at once.
 */
export class ChunkBudget {
  /** Every buffer this budget ever created; the ones out are exactly those not in `free`. */
  private readonly owned = new Set<SharedArrayBuffer>();
  private readonly out = new Set<SharedArrayBuffer>();
  private readonly free: SharedArrayBuffer[] = [];
  private readonly waiters: ((memory: SharedArrayBuffer) => void)[] = [];
  /** Reads above this many bytes take a pooled buffer. */
  private readonly smallest: number;

  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError('A chunk budget needs at least one buffer');
    this.smallest = Math.max(size / 4, SMALL_READ_BYTES);
  }

  /** A budget of `bytes`, in whole buffers of `size` (at least one). */
  static ofBytes(size: number, bytes: number): ChunkBudget {
    return new ChunkBudget(size, Math.max(1, Math.floor(bytes / size)));
  }

  /** Buffers handed out and not given back yet. */
  get outstanding(): number {
    return this.out.size;
  }

  /** Buffers created so far (never more than `limit`). */
  get created(): number {
    return this.owned.size;
  }

  /** A buffer of `size` bytes, once one is free. */
  acquire(size: number): Promise<Buffer> {
    const now = this.tryAcquire(size);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => this.waiters.push((memory) => resolve(Buffer.from(memory, 0, size))));
  }

  /** A buffer of `size` bytes now, or undefined when the caller would have to wait for one. */
  tryAcquire(size: number): Buffer | undefined {
    if (!this.pooled(size)) return Buffer.allocUnsafe(size);
    if (this.waiters.length > 0) return undefined;
    let memory = this.free.pop();
    if (!memory && this.owned.size < this.limit) {
      memory = new SharedArrayBuffer(this.size);
      this.owned.add(memory);
    }
    if (!memory) return undefined;
    this.out.add(memory);
    return Buffer.from(memory, 0, size);
  }

  /**
   * Gives a buffer (or any view into it) back once nothing reads or writes it any more. Anything else
   * (a plain allocation, a buffer given back already) is ignored; but once handed out again, the
   * buffer is out, so a holder must give it back exactly once.
   */
  release(view: Uint8Array): void {
    const memory = view.buffer;
    if (!(memory instanceof SharedArrayBuffer) || !this.out.has(memory)) return;
    const next = this.waiters.shift();
    if (next) {
      next(memory);
      return;
    }
    this.out.delete(memory);
    this.free.push(memory);
  }

  private pooled(size: number): boolean {
    return size > this.smallest && size <= this.size;
  }
}

const SMALL_READ_BYTES = 2 * 1024 * 1024;
