/** A byte range of a stored chunk: `start` inclusive, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a backend accepts. */
export interface ChunkStoreLimits {
  /** The largest (sealed) chunk, in bytes, that one `put` may store. */
  maxChunkBytes: number;
  /**
   * How many chunks of one file a writer should keep in flight: more where the store batches puts
   * (Discord sends several chunks per message), each costing two chunk buffers of memory.
   */
  chunksInFlight?: number;
  /**
   * How many of a writer's chunks in flight may still hold their buffer (not yet `written`); the rest
   * only wait for the store to make them durable. All of them when not given.
   */
  chunksHeld?: number;
}

/**
 * A place that keeps sealed chunks: local disk, Discord, later S3-like backends. It only ever sees
 * ciphertext; it neither knows nor checks what a chunk means.
 */
export interface ChunkStore {
  /** The name chunk records refer to ('local', 'discord'). */
  readonly name: string;
  /** The largest ciphertext chunk it takes. */
  readonly limits: ChunkStoreLimits;
  /**
   * Told by a writer that another chunk will follow the one it just handed over (it is being sealed,
   * or the rest of the file is arriving). A store that batches puts may hold a partial batch for it;
   * the writer calls `done()` once that chunk was put, or when it will not come.
   */
  incoming?(): { done(): void };
  /**
   * Stores a chunk durably (on disk: written and fsynced) under `key` (a UUID we chose) and returns the
   * locator to read it back. The caller reuses `data` for another chunk once put() settles, or once
   * the store calls `written`, which it may do as soon as it reads `data` no more though the chunk is
   * not durable yet (on disk: written, not fsynced), so that the wait for the disk holds no memory.
   * A store must not keep a reference to `data` past either.
   */
  put(key: string, data: Buffer, written?: () => void): Promise<string>;
  /**
   * Reads a chunk or a byte range of it, into `into` when given (exactly the range's length), so a
   * reader can reuse its buffers. Throws ChunkMissingError when it is gone.
   */
  get(locator: string, range?: ByteRange, into?: Buffer): Promise<Buffer>;
  /**
   * What deleting `locator` really deletes, when that is more than the chunk: Discord deletes a
   * message with every attachment in it, and chunks stored at about the same time share a message.
   * A store without it deletes exactly the locator.
   */
  containerOf?(locator: string): string;
  /**
   * Where an object lives, for keeping copies of it apart (Discord: its channel). A store without
   * copies apart keeps one copy of each object: copies in one place would be lost together.
   */
  placeOf?(locator: string): string;
  /** The places a copy can go now (Discord: the channels with a webhook in use). */
  places?(): string[];
  /**
   * Stores a copy of an object in a place not among `avoid`, durably, and returns its locator. It
   * shares its container with nothing else, so it can be deleted alone.
   */
  putApart?(key: string, data: Buffer, avoid: readonly string[]): Promise<string>;
  /**
   * Looks for objects without reading them (Discord: one message read per message): `present`,
   * `missing` (the store says it is gone), or the error that kept the store from saying.
   */
  probe?(locators: string[]): Promise<Map<string, 'present' | 'missing' | Error>>;
  /** Deletes a chunk (its whole container); a missing chunk is not an error (deletes are retried by jobs). */
  delete(locator: string): Promise<void>;
  /**
   * Deletes many chunks at once where the backend can do better than one by one (Discord's bulk
   * delete). Returns the error for each locator that could not be deleted; the rest are gone.
   */
  deleteMany?(locators: string[]): Promise<Map<string, Error>>;
  /**
   * Deletes objects that nothing refers to: chunks sent before a crash kept their record from being
   * written, or sent twice because an answer was lost. `known` answers from the records; objects
   * younger than `before` are left alone (their upload may still be running). Returns how many were
   * deleted.
   */
  sweep?(known: SweepRecords, before: number): Promise<number>;
}

/** What the chunk records know, for a sweep. */
export interface SweepRecords {
  /** Of these chunk keys (or pack ids), those a record (stored or pending) knows. */
  keys(keys: string[]): Promise<Set<string>>;
  /** Of these containers (see `containerOf`), those some chunk is still in. */
  containers(containers: string[]): Promise<Set<string>>;
}

/** What deleting `locator` from `store` deletes. */
export function containerOf(store: ChunkStore, locator: string): string {
  return store.containerOf?.(locator) ?? locator;
}
