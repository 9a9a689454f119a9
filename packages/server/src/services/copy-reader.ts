import type { Repositories } from '../repositories/repositories.js';
import type { StoredObject } from '../repositories/chunk-copy.repository.js';
import { readPlaintext } from '../storage/chunk-reader.js';
import type { CipherPool } from '../storage/cipher-pool.js';
import { HeldObject } from '../storage/held-object.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { chunkRef, type FileService } from './file.service.js';

/**
 * Reads one copy of a stored object whole and opens every chunk in it under its own file's key, so
 * that a copy is known good before it is called so (the scrubber's deep check) or copied (a repair).
 * Throws as a read would: ChunkMissingError when the copy is gone, IntegrityError when it does not
 * open.
 */
export class CopyReader {
  constructor(
    private readonly repos: Repositories,
    private readonly files: FileService,
    private readonly stores: StoreRegistry,
    private readonly pool: CipherPool,
  ) {}

  async read(object: StoredObject, copyLocator: string): Promise<Buffer> {
    const store = this.stores.get(object.store);
    const bytes = await store.get(copyLocator);
    const held = new HeldObject(store, bytes);
    const chunks = await this.repos.copies.chunksOf(object);
    const versions = await this.files.openVersions([...new Set(chunks.map((c) => c.version_id))]);
    for (const chunk of chunks) {
      const file = versions.get(chunk.version_id);
      // An upload still under way has no size to check against yet; its other chunks vouch for the copy.
      if (!file || file.version.status !== 'committed') continue;
      const start = chunk.idx * file.version.chunk_size;
      const session = this.pool.session(false);
      try {
        const pieces = readPlaintext({
          stores: () => held,
          cipher: file.cipher,
          session,
          chunkSize: file.version.chunk_size,
          size: file.version.size,
          chunks: file.chunks.map(chunkRef),
          sha256: file.version.sha256,
          start,
          end: start + chunk.plain_size,
          readAhead: 0,
        });
        // Opening them is the check: the plaintext itself is not needed.
        for await (const piece of pieces) void piece;
      } finally {
        session.drop();
      }
    }
    return bytes;
  }
}
