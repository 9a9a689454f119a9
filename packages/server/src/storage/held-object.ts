import type { ByteRange, ChunkStore } from './chunk-store.js';

/**
 * One stored object already read into memory, served as a store: a reader opens the chunks in it
 * from these bytes, a range at a time, as it would from the store they came from. Read only.
 */
export class HeldObject implements ChunkStore {
  readonly name: string;
  readonly limits: ChunkStore['limits'];

  constructor(
    from: ChunkStore,
    private readonly bytes: Buffer,
  ) {
    this.name = from.name;
    this.limits = from.limits;
  }

  put(): Promise<string> {
    return Promise.reject(new Error('A held object takes no chunks'));
  }

  async get(_locator: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    // A range past the end comes back short, which the reader reports as damage.
    const part = range ? this.bytes.subarray(range.start, range.end) : this.bytes;
    if (into && into.length === part.length) {
      part.copy(into);
      return into;
    }
    // A copy, never a view: the cipher thread may take the memory it is given, and these bytes
    // must stay whole for the next chunk and for whoever asked for the object.
    return Buffer.from(part);
  }

  delete(): Promise<void> {
    return Promise.reject(new Error('A held object deletes nothing'));
  }
}
