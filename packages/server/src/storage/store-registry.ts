import type { ChunkStore } from './chunk-store.js';

/** The chunk stores this instance knows, by name, and which one new uploads go to. */
export class StoreRegistry {
  private readonly stores = new Map<string, ChunkStore>();

  constructor(
    stores: ChunkStore[],
    private writeTo: string,
  ) {
    for (const store of stores) this.stores.set(store.name, store);
    this.get(writeTo);
  }

  get(name: string): ChunkStore {
    const store = this.stores.get(name);
    if (!store) throw new Error(`No chunk store named "${name}" is configured`);
    return store;
  }

  /** Adds (or replaces) a store and makes it where new chunks go, e.g. once Discord is connected. */
  writeToStore(store: ChunkStore): void {
    this.stores.set(store.name, store);
    this.writeTo = store.name;
  }

  all(): ChunkStore[] {
    return [...this.stores.values()];
  }

  /** Where new chunks go. Old chunks stay readable from whichever store holds them. */
  current(): ChunkStore {
    return this.get(this.writeTo);
  }
}
