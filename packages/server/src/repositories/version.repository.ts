import { sql, type Insertable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { ChunkRow, FileVersionRow, FileVersionsTable, NewChunkRow, PackRow } from '../db/schema.js';
import { recordOwnCopy } from './chunk-copy.repository.js';

/** File versions, the chunks that hold their bytes, and chunks waiting to be deleted from their store. */
export class VersionRepository {
  constructor(private readonly db: Db | Tx) {}

  async insert(row: Insertable<FileVersionsTable>): Promise<void> {
    await this.db.insertInto('file_versions').values(row).execute();
  }

  findById(id: string): Promise<FileVersionRow | undefined> {
    return this.db.selectFrom('file_versions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Versions by id, in any order, in one query per 500 ids (a zip opens many small files at once). */
  async findMany(ids: readonly string[]): Promise<FileVersionRow[]> {
    const rows: FileVersionRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      rows.push(
        ...(await this.db.selectFrom('file_versions').selectAll().where('id', 'in', batch).execute()),
      );
    }
    return rows;
  }

  async setChecksums(id: string, sha1: string, md5: string): Promise<void> {
    await this.db.updateTable('file_versions').set({ sha1, md5 }).where('id', '=', id).execute();
  }

  async markCommitted(id: string, size: number, sha256: string): Promise<void> {
    await this.db
      .updateTable('file_versions')
      .set({ status: 'committed', size, sha256 })
      .where('id', '=', id)
      .execute();
  }

  /** Records a chunk before it is sent to its store (locator still unknown). */
  async insertPendingChunk(
    chunk: Pick<ChunkRow, 'version_id' | 'idx' | 'store' | 'chunk_key' | 'plain_size' | 'sealed_size'>,
  ): Promise<void> {
    await this.db
      .insertInto('chunks')
      .values({ ...chunk, locator: null })
      .execute();
  }

  async setChunkStored(
    versionId: string,
    idx: number,
    store: string,
    stored: { locator: string; container: string; plain_size: number; sealed_size: number },
  ): Promise<void> {
    await this.db
      .updateTable('chunks')
      .set(stored)
      .where('version_id', '=', versionId)
      .where('idx', '=', idx)
      .execute();
    await recordOwnCopy(this.db, { store, ...stored }, Date.now());
  }

  chunks(versionId: string): Promise<ChunkRow[]> {
    return this.db
      .selectFrom('chunks')
      .selectAll()
      .where('version_id', '=', versionId)
      .orderBy('idx')
      .execute();
  }

  /** The chunks of many versions, by version id and each sorted by index, in one query per 500 ids. */
  async chunksOfMany(versionIds: readonly string[]): Promise<Map<string, ChunkRow[]>> {
    const byVersion = new Map<string, ChunkRow[]>(versionIds.map((id) => [id, []]));
    for (let i = 0; i < versionIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('chunks')
        .selectAll()
        .where('version_id', 'in', versionIds.slice(i, i + 500))
        .orderBy('version_id')
        .orderBy('idx')
        .execute();
      for (const row of rows) byVersion.get(row.version_id)?.push(row);
    }
    return byVersion;
  }

  /**
   * Removes chunk rows from `fromIdx` on and queues their store objects for deletion (a resumed
   * upload discards chunks that were sent but never acknowledged).
   */
  async discardChunksFrom(versionId: string, fromIdx: number, at: number): Promise<void> {
    const rows = await this.db
      .selectFrom('chunks')
      .selectAll()
      .where('version_id', '=', versionId)
      .where('idx', '>=', fromIdx)
      .execute();
    await this.queueGarbage(rows, at);
    await this.db
      .deleteFrom('chunks')
      .where('version_id', '=', versionId)
      .where('idx', '>=', fromIdx)
      .execute();
  }

  /** Deletes versions and queues all their chunks for deletion from the stores, in the caller's transaction. */
  async deleteVersions(versionIds: string[], at: number): Promise<void> {
    for (let i = 0; i < versionIds.length; i += 500) {
      const ids = await this.withThumbnails(versionIds.slice(i, i + 500));
      const rows = await this.db.selectFrom('chunks').selectAll().where('version_id', 'in', ids).execute();
      await this.queueGarbage(rows, at);
      await this.db.deleteFrom('file_versions').where('id', 'in', ids).execute();
    }
  }

  /**
   * These versions and their thumbnails and previews (versions of their own). The media rows are deleted
   * rather than read: a thumbnail being recorded at this moment makes the delete wait and then
   * return it, so none is left behind.
   */
  private async withThumbnails(ids: string[]): Promise<string[]> {
    const media = await this.db
      .deleteFrom('media')
      .where('version_id', 'in', ids)
      .returning(['thumbnail_version_id', 'preview_version_id'])
      .execute();
    const thumbnails = media.flatMap((m) =>
      [m.thumbnail_version_id, m.preview_version_id].filter((id): id is string => id !== null),
    );
    return thumbnails.length === 0 ? ids : [...new Set([...ids, ...thumbnails])];
  }

  /**
   * Queues the stored objects of these chunks for deletion. Packed chunks share their pack's locator;
   * the collector deletes an object only once no chunk is left in it.
   */
  private async queueGarbage(rows: ChunkRow[], at: number): Promise<void> {
    const unique = new Map<string, { store: string; locator: string; created_at: number }>();
    for (const r of rows) {
      const locator = r.locator ?? r.chunk_key;
      unique.set(`${r.store}\n${locator}`, { store: r.store, locator, created_at: at });
    }
    const garbage = [...unique.values()];
    for (let i = 0; i < garbage.length; i += 300) {
      await this.db
        .insertInto('garbage_chunks')
        .values(garbage.slice(i, i + 300))
        .execute();
    }
  }

  /** Queues one stored object for deletion (an emptied pack after compaction). */
  async queueObject(store: string, locator: string, at: number): Promise<void> {
    await this.db.insertInto('garbage_chunks').values({ store, locator, created_at: at }).execute();
  }

  garbage(
    limit: number,
  ): Promise<{ id: number; store: string; locator: string; attempts: number; created_at: number }[]> {
    return this.db
      .selectFrom('garbage_chunks')
      .select(['id', 'store', 'locator', 'attempts', 'created_at'])
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async deleteGarbage(id: number): Promise<void> {
    await this.db.deleteFrom('garbage_chunks').where('id', '=', id).execute();
  }

  async bumpGarbageAttempts(id: number): Promise<void> {
    await this.db
      .updateTable('garbage_chunks')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  /** Bytes and chunk counts per store for one version (the file info panel's "where stored"). */
  storeUsage(versionId: string): Promise<{ store: string; chunks: number; bytes: number }[]> {
    return this.db
      .selectFrom('chunks')
      .select((eb) => [
        'store',
        eb.fn.countAll<number>().as('chunks'),
        eb.fn.sum<number>('sealed_size').as('bytes'),
      ])
      .where('version_id', '=', versionId)
      .groupBy('store')
      .execute()
      .then((rows) =>
        rows.map((r) => ({ store: r.store, chunks: Number(r.chunks), bytes: Number(r.bytes) })),
      );
  }

  /**
   * Versions still uploading that were started before `before` and that no resumable upload owns:
   * a plain upload whose connection or server died. Their chunks are garbage.
   */
  async staleUploadingVersions(before: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('file_versions')
      .select('id')
      .where('status', '=', 'uploading')
      .where('created_at', '<', before)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('uploads')
              .select('uploads.id')
              .whereRef('uploads.version_id', '=', 'file_versions.id'),
          ),
        ),
      )
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async idsForOwner(ownerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('file_versions')
      .select('id')
      .where('owner_id', '=', ownerId)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Of these stored keys, those that a chunk or pack record (stored or pending) knows. */
  async knownKeys(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('chunks')
      .select('chunk_key as key')
      .where('chunk_key', 'in', keys)
      .union(this.db.selectFrom('packs').select('id as key').where('id', 'in', keys))
      .execute();
    return new Set(rows.map((r) => r.key));
  }

  /**
   * When the oldest chunk of a store still waiting for its locator was recorded (its version's
   * creation), or null. A pack being rewritten counts too: its record exists before any chunk moves in.
   */
  async oldestPendingChunk(store: string): Promise<number | null> {
    const chunk = await this.db
      .selectFrom('chunks')
      .innerJoin('file_versions', 'file_versions.id', 'chunks.version_id')
      .select((eb) => eb.fn.min('file_versions.created_at').as('at'))
      .where('chunks.store', '=', store)
      .where('chunks.locator', 'is', null)
      .executeTakeFirst();
    const pack = await this.db
      .selectFrom('packs')
      .select((eb) => eb.fn.min('packs.created_at').as('at'))
      .where('packs.store', '=', store)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('chunks').select('chunks.pack_id').whereRef('chunks.pack_id', '=', 'packs.id')),
        ),
      )
      .executeTakeFirst();
    const times = [chunk?.at, pack?.at].filter((at) => at !== null && at !== undefined).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Of these containers of a store, those that some chunk, or some copy of a chunk's object, is in. */
  async containersInUse(store: string, containers: string[]): Promise<Set<string>> {
    const used = new Set<string>();
    for (let i = 0; i < containers.length; i += 500) {
      const batch = containers.slice(i, i + 500);
      const rows = await this.db
        .selectFrom('chunks')
        .select('container')
        .distinct()
        .where('store', '=', store)
        .where('container', 'in', batch)
        .union(
          // A copy holds its container while some chunk still names its object; the copies of an
          // object no chunk names are garbage already (maintenance queues them).
          this.db
            .selectFrom('chunk_copies')
            .select('copy_container as container')
            .where('store', '=', store)
            .where('copy_container', 'in', batch)
            .where(({ exists, selectFrom }) =>
              exists(
                selectFrom('chunks')
                  .select('chunks.idx')
                  .whereRef('chunks.store', '=', 'chunk_copies.store')
                  .whereRef('chunks.locator', '=', 'chunk_copies.locator'),
              ),
            ),
        )
        .execute();
      for (const r of rows) if (r.container !== null) used.add(r.container);
    }
    return used;
  }

  async insertPack(pack: PackRow): Promise<void> {
    await this.db.insertInto('packs').values(pack).execute();
  }

  async deletePacks(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.db.deleteFrom('packs').where('id', 'in', ids).execute();
  }

  async insertVersions(rows: Insertable<FileVersionsTable>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 100) {
      await this.db
        .insertInto('file_versions')
        .values(rows.slice(i, i + 100))
        .execute();
    }
  }

  async insertChunks(rows: NewChunkRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 100) {
      await this.db
        .insertInto('chunks')
        .values(rows.slice(i, i + 100))
        .execute();
    }
  }

  /** Records where the store put a pack, on every chunk in it. */
  async setPackStored(packId: string, store: string, locator: string, container: string): Promise<void> {
    await this.db.updateTable('chunks').set({ locator, container }).where('pack_id', '=', packId).execute();
    await recordOwnCopy(this.db, { store, locator, container }, Date.now());
  }

  /**
   * Packs created before `before` whose live chunks fill less than `maxLivePercent` % of them, with
   * their live bytes and chunks (0 once every chunk in them is gone).
   */
  async sparsePacks(
    before: number,
    maxLivePercent: number,
    limit: number,
  ): Promise<(PackRow & { live: number; liveChunks: number })[]> {
    const live = sql<number>`coalesce(sum(chunks.sealed_size), 0)`;
    const liveChunks = sql<number>`count(chunks.version_id)`;
    const rows = await this.db
      .selectFrom('packs')
      .leftJoin('chunks', 'chunks.pack_id', 'packs.id')
      .select([
        'packs.id',
        'packs.store',
        'packs.size',
        'packs.created_at',
        live.as('live'),
        liveChunks.as('liveChunks'),
      ])
      .where('packs.created_at', '<', before)
      .groupBy(['packs.id', 'packs.store', 'packs.size', 'packs.created_at'])
      .having(
        sql<number>`coalesce(sum(chunks.sealed_size), 0) * 100`,
        '<',
        sql<number>`packs.size * ${Math.round(maxLivePercent)}`,
      )
      .orderBy('packs.created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      ...r,
      size: Number(r.size),
      live: Number(r.live),
      liveChunks: Number(r.liveChunks),
    }));
  }

  /** The chunks still in a pack. */
  packedChunks(packId: string): Promise<ChunkRow[]> {
    return this.db.selectFrom('chunks').selectAll().where('pack_id', '=', packId).execute();
  }

  /** Moves a chunk to another pack, if it is still in the one it was read from; says whether it was. */
  async moveChunk(
    chunk: { version_id: string; idx: number; from: string },
    store: string,
    to: { pack_id: string; pack_offset: number; locator: string; container: string },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('chunks')
      .set(to)
      .where('version_id', '=', chunk.version_id)
      .where('idx', '=', chunk.idx)
      .where('pack_id', '=', chunk.from)
      .executeTakeFirst();
    const moved = Number(result.numUpdatedRows) > 0;
    if (moved)
      await recordOwnCopy(this.db, { store, locator: to.locator, container: to.container }, Date.now());
    return moved;
  }
}
