import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** Random access to the bytes of a stored file. */
export interface RandomAccessSource {
  size: number;
  /** Bytes [start, end), in pieces. */
  read(start: number, end: number): AsyncIterable<Buffer>;
  /** Takes back a piece `read` yielded once it is no longer used (buffers may be pooled). */
  release(piece: Buffer): void;
}

/** Read granularity: a central directory is read in tens of thousands of tiny pieces. */
const BLOCK_BYTES = 1024 * 1024;
const BLOCKS_KEPT = 4;

/**
 * yauzl's view of a stored file. Its small reads are served from whole blocks fetched once and kept
 * for a while, so listing an archive costs a few block reads rather than one store request (and one
 * segment decryption) per header. A failure of the store itself is kept, so that it can be told
 * apart from a problem with the archive.
 */
export class BlockReader extends yauzl.RandomAccessReader {
  /** What went wrong reading the stored file, if anything did. */
  failure: unknown = null;
  /** Bytes fetched from the source so far. */
  bytesFetched = 0;
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(private readonly source: RandomAccessSource) {
    super();
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null) => void,
  ): void {
    this.readInto(buffer, offset, length, position).then(
      () => callback(null),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(this.copies(start, end));
  }

  /**
   * The source's pieces as copies, each piece given back at once: a stream buffers ahead and inflate
   * holds on to its input, so there is no knowing when the source's own buffer would be free.
   */
  private async *copies(start: number, end: number): AsyncGenerator<Buffer> {
    for await (const piece of this.fetch(start, end)) {
      const copy = Buffer.from(piece);
      this.source.release(piece);
      yield copy;
    }
  }

  private async readInto(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    if (position < 0 || position + length > this.source.size) throw new Error('unexpected EOF');
    let copied = 0;
    while (copied < length) {
      const at = position + copied;
      const index = Math.floor(at / BLOCK_BYTES);
      const block = await this.block(index);
      const from = at - index * BLOCK_BYTES;
      copied += block.copy(buffer, offset + copied, from, Math.min(block.length, from + length - copied));
    }
  }

  private block(index: number): Promise<Buffer> {
    const kept = this.blocks.get(index);
    if (kept) {
      // Most recently used last.
      this.blocks.delete(index);
      this.blocks.set(index, kept);
      return kept;
    }
    const start = index * BLOCK_BYTES;
    const loading = this.copyOf(start, Math.min(this.source.size, start + BLOCK_BYTES));
    this.blocks.set(index, loading);
    if (this.blocks.size > BLOCKS_KEPT) this.blocks.delete(this.blocks.keys().next().value!);
    loading.catch(() => this.blocks.delete(index));
    return loading;
  }

  private async copyOf(start: number, end: number): Promise<Buffer> {
    const block = Buffer.allocUnsafe(end - start);
    let at = 0;
    for await (const piece of this.fetch(start, end)) {
      at += piece.copy(block, at);
      this.source.release(piece);
    }
    return block;
  }

  /** The source's bytes, noting any failure of the store. */
  async *fetch(start: number, end: number): AsyncGenerator<Buffer> {
    try {
      for await (const piece of this.source.read(start, end)) {
        this.bytesFetched += piece.length;
        yield piece;
      }
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }
}
