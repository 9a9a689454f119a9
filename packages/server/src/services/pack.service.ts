import { createHash, randomUUID } from 'node:crypto';
import type { ChunkRow, FileVersionRow, ItemRow, UserRow } from '../db/schema.js';
import { AppError } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import { containerOf, type ChunkStore } from '../storage/chunk-store.js';
import type { DriveKeys } from '../storage/drive-keys.js';
import { PACK_ENTRY_SIZE, PACK_TRAILER_BASE, type PackEntry } from '../storage/pack-trailer.js';
import { sealedSize } from '../storage/segment-cipher.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import type { FileService, UploadTarget } from './file.service.js';
import type { QuotaService } from './quota.service.js';

/** Files up to this size are packed; larger ones get chunks of their own. */
export const PACKED_FILE_MAX = 1024 * 1024;
/** A pack is rewritten once less than this share (%) of it is still in use. */
const COMPACT_BELOW_PERCENT = 50;
/** Packs younger than this are left alone: most deletions come soon after an upload, if at all. */
const COMPACT_MIN_AGE_MS = 3_600_000;

/** A small file sealed under its own key, waiting for its pack to be stored. */
export interface PackedFile {
  target: UploadTarget;
  version: ReturnType<FileService['newVersion']>['row'];
  size: number;
  sha256: string;
  sealed: Buffer;
}

/** What a packed file takes of its pack: its sealed bytes and its entry in the pack's trailer. */
export function packFootprint(sealedBytes: number): number {
  return sealedBytes + PACK_ENTRY_SIZE;
}

/**
 * Small files share stored objects ("packs"): on Discord, a message per file would spend the
 * per-channel message budget on a few bytes each. Each file is still sealed under its own data key
 * as a one-chunk file, so a packed chunk reads exactly like any other, at an offset in the pack.
 * A pack ends with a trailer listing its files (docs/storage-format.md), so it describes itself.
 * Packs never change once stored; deleting a file leaves a hole that compaction reclaims by copying
 * the live chunks (sealed, so without decrypting) into a new pack.
 */
export class PackService {
  constructor(
    private readonly repos: Repositories,
    private readonly files: FileService,
    private readonly stores: StoreRegistry,
    private readonly keys: DriveKeys,
    private readonly chunkSize: number,
    private readonly quota: QuotaService,
  ) {}

  /** The footprints (packFootprint) a pack in the current store holds, besides its trailer's own bytes. */
  capacity(): number {
    return this.capacityOf(this.stores.current());
  }

  /**
   * Seals a small file (a whole one-chunk file, under a fresh key) for a pack: `ownerId`'s (the
   * target folder's owner), stored by `user`.
   */
  seal(user: UserRow, ownerId: string, target: UploadTarget, plain: Buffer): PackedFile {
    if (plain.length > PACKED_FILE_MAX) throw new RangeError(`${plain.length} bytes is too big to pack`);
    const { row, cipher } = this.files.newVersion(ownerId, user.id);
    return {
      target,
      version: row,
      size: plain.length,
      sha256: createHash('sha256').update(plain).digest('hex'),
      sealed: cipher.sealSegments(0, plain, true),
    };
  }

  /**
   * Stores files as one pack and commits them. The pack and its chunks are recorded before the put,
   * with the files' bytes reserved against `chargedTo`'s quota (all or none: 507 before anything is
   * recorded or stored), so a crash leaves only uploading versions (discarded by maintenance, their
   * reservations with them) and a pack the sweep knows. Returns each file's item, or the error that
   * kept it from being committed (a name conflict).
   */
  async store(user: UserRow, chargedTo: string, files: PackedFile[]): Promise<(ItemRow | AppError)[]> {
    const store = this.stores.current();
    const pack = { id: randomUUID(), store: store.name, size: 0, created_at: Date.now() };
    const chunks: ChunkRow[] = files.map((file) => {
      const chunk = {
        version_id: file.version.id,
        idx: 0,
        store: store.name,
        chunk_key: randomUUID(),
        locator: null,
        container: null,
        plain_size: file.size,
        sealed_size: file.sealed.length,
        pack_id: pack.id,
        pack_offset: pack.size,
      };
      pack.size += file.sealed.length;
      return chunk;
    });
    await this.repos.transaction(async (r) => {
      // Locked before the versions refer to a user (see FileService.startVersion).
      await r.users.lockTree(chargedTo);
      await r.versions.insertPack(pack);
      await r.versions.insertVersions(files.map((f) => f.version));
      await this.quota.reserveEach(
        chargedTo,
        files.map((f) => ({ versionId: f.version.id, bytes: f.size })),
        r,
      );
      await r.versions.insertChunks(chunks);
    });
    const entries = files.map((file, k) =>
      entryOf(file.version, { ...chunks[k]!, pack_offset: chunks[k]!.pack_offset! }, file.sha256),
    );
    let locator: string;
    try {
      const trailer = this.keys.packTrailer(pack.id, entries);
      locator = await store.put(pack.id, Buffer.concat([...files.map((f) => f.sealed), trailer]));
    } catch (err) {
      await this.repos.transaction((r) =>
        r.versions.deleteVersions(
          files.map((f) => f.version.id),
          Date.now(),
        ),
      );
      throw err;
    }
    return this.repos.transaction(async (r) => {
      await r.versions.setPackStored(pack.id, store.name, locator, containerOf(store, locator));
      const results: (ItemRow | AppError)[] = [];
      for (const file of files) {
        try {
          results.push(
            await this.files.commitIn(r, user, file.target, file.version.id, file.size, file.sha256),
          );
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          await r.versions.deleteVersions([file.version.id], Date.now());
          results.push(err);
        }
      }
      return results;
    });
  }

  /**
   * Rewrites packs that are mostly holes: their live chunks are copied into new packs and the old
   * ones queued for deletion. Returns how many packs were rewritten or dropped.
   */
  async compact(now: number): Promise<number> {
    const sparse = await this.repos.versions.sparsePacks(
      now - COMPACT_MIN_AGE_MS,
      COMPACT_BELOW_PERCENT,
      200,
    );
    // An empty pack's object was queued for deletion with its last chunk: only the record is left.
    await this.repos.versions.deletePacks(sparse.filter((p) => p.live === 0).map((p) => p.id));
    let done = sparse.filter((p) => p.live === 0).length;
    const byStore = new Map<string, typeof sparse>();
    for (const pack of sparse.filter((p) => p.live > 0)) {
      byStore.set(pack.store, [...(byStore.get(pack.store) ?? []), pack]);
    }
    for (const [name, packs] of byStore) {
      const store = this.stores.get(name);
      const capacity = this.capacityOf(store);
      // Several sparse packs merge into one, as long as their live chunks fit.
      let group: typeof sparse = [];
      let live = 0;
      for (const pack of packs) {
        const footprint = pack.live + pack.liveChunks * PACK_ENTRY_SIZE;
        if (group.length > 0 && live + footprint > capacity) {
          await this.rewrite(store, group, now);
          done += group.length;
          group = [];
          live = 0;
        }
        group.push(pack);
        live += footprint;
      }
      if (group.length > 0) {
        await this.rewrite(store, group, now);
        done += group.length;
      }
    }
    return done;
  }

  /**
   * Copies the live chunks of `packs` into new packs (as many as they need: a pack written before
   * trailers may hold more small files than one with a trailer can list) and queues the old objects.
   */
  private async rewrite(store: ChunkStore, packs: { id: string }[], now: number): Promise<void> {
    const chunks = (await Promise.all(packs.map((p) => this.repos.versions.packedChunks(p.id)))).flat();
    const versions = new Map(
      (await this.repos.versions.findMany(chunks.map((c) => c.version_id))).map((v) => [v.id, v]),
    );
    // A chunk still waiting for its locator, or of a version not committed, belongs to a batch that
    // never finished: maintenance discards its version first.
    if (chunks.some((c) => c.locator === null || !versions.get(c.version_id)?.sha256)) return;
    // A restored version's chunk records repeat its source's: the bytes they share are copied once.
    const placeOf = (chunk: ChunkRow) => `${chunk.pack_id}\n${chunk.pack_offset}`;
    const unique = [...new Map(chunks.map((c) => [placeOf(c), c])).values()];
    const copies = new Map<string, { packId: string; offset: number }>();
    const written: { packId: string; locator: string }[] = [];
    for (const group of fill(unique, this.capacityOf(store))) {
      const size = group.reduce((sum, c) => sum + c.sealed_size, 0);
      const data = Buffer.alloc(size + PACK_TRAILER_BASE + group.length * PACK_ENTRY_SIZE);
      const pack = { id: randomUUID(), store: store.name, size, created_at: now };
      const entries: PackEntry[] = [];
      let offset = 0;
      for (const chunk of group) {
        const start = chunk.pack_offset!;
        const into = data.subarray(offset, offset + chunk.sealed_size);
        const bytes = await store.get(chunk.locator!, { start, end: start + chunk.sealed_size }, into);
        if (bytes !== into) bytes.copy(into);
        copies.set(placeOf(chunk), { packId: pack.id, offset });
        const version = versions.get(chunk.version_id)!;
        // Listed under the id its segments are sealed with.
        const sealedAs = { ...version, id: version.sealed_as ?? version.id };
        entries.push(entryOf(sealedAs, { ...chunk, pack_offset: offset }, version.sha256!));
        offset += chunk.sealed_size;
      }
      this.keys.packTrailer(pack.id, entries).copy(data, size);
      // Recorded first, so the sweep knows the new object even if we die before the chunks move.
      await this.repos.versions.insertPack(pack);
      written.push({ packId: pack.id, locator: await store.put(pack.id, data) });
    }
    const locators = new Map(written.map((w) => [w.packId, w.locator]));
    await this.repos.transaction(async (r) => {
      for (const chunk of chunks) {
        const { packId, offset } = copies.get(placeOf(chunk))!;
        const locator = locators.get(packId)!;
        // A chunk deleted meanwhile stays deleted: its bytes in the new pack are a hole.
        await r.versions.moveChunk(
          { version_id: chunk.version_id, idx: chunk.idx, from: chunk.pack_id! },
          store.name,
          { pack_id: packId, locator, container: containerOf(store, locator), pack_offset: offset },
        );
      }
      const oldLocators = new Set(chunks.map((c) => c.locator!));
      for (const old of oldLocators) await r.versions.queueObject(store.name, old, now);
      await r.versions.deletePacks(packs.map((p) => p.id));
    });
  }

  /** The footprints a pack in `store` holds: what a stored chunk may take, less its trailer's own bytes. */
  private capacityOf(store: ChunkStore): number {
    return Math.min(sealedSize(this.chunkSize), store.limits.maxChunkBytes) - PACK_TRAILER_BASE;
  }
}

/** Chunks in runs whose footprints fit a pack each, in the order given. */
function fill(chunks: ChunkRow[], capacity: number): ChunkRow[][] {
  const groups: ChunkRow[][] = [];
  let used = Infinity;
  for (const chunk of chunks) {
    const footprint = packFootprint(chunk.sealed_size);
    if (used + footprint > capacity) {
      groups.push([]);
      used = 0;
    }
    groups.at(-1)!.push(chunk);
    used += footprint;
  }
  return groups;
}

/** A packed chunk's entry in its pack's trailer. */
function entryOf(
  version: Pick<FileVersionRow, 'id' | 'format' | 'wrapped_key'>,
  chunk: Pick<ChunkRow, 'sealed_size' | 'plain_size'> & { pack_offset: number },
  sha256: string,
): PackEntry {
  return {
    versionId: version.id,
    format: version.format === 1 ? 1 : 2,
    offset: chunk.pack_offset,
    sealedSize: chunk.sealed_size,
    plainSize: chunk.plain_size,
    wrappedKey: Buffer.from(version.wrapped_key, 'base64'),
    sha256,
  };
}
