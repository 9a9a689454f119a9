/**
 * A few chunk-sized buffers in shared memory, handed out again and again. A download would otherwise
 * allocate two 8 MiB buffers per chunk (the stored bytes, then the opened ones), and V8 answers that
 * much outside-heap allocation with a full garbage collection every few chunks. Shared memory also
 * lets a cipher thread open a chunk in place, with nothing copied or moved between threads.
 *
 * Only buffers of the pool's one size are pooled (whole chunks); other sizes are plain allocations.
 * A buffer that is never released is simply garbage-collected.
 */
export class BufferPool {
  private readonly free: SharedArrayBuffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  acquire(size: number): Buffer {
    if (size !== this.size) return Buffer.allocUnsafe(size);
    return Buffer.from(this.free.pop() ?? new SharedArrayBuffer(size));
  }

  /** Gives a buffer (or any view into it) back once nothing reads or writes it any more. */
  release(view: Uint8Array): void {
    const memory = view.buffer;
    if (!(memory instanceof SharedArrayBuffer) || memory.byteLength !== this.size) return;
    if (this.free.length < this.keep && !this.free.includes(memory)) this.free.push(memory);
  }
}
