import type { Insertable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { ChunkRow, FileVersionRow, FileVersionsTable } from '../db/schema.js';

/** File versions, the chunks that hold their bytes, and chunks waiting to be deleted from their store. */
export class VersionRepository {
  constructor(private readonly db: Db | Tx) {}

  async insert(row: Insertable<FileVersionsTable>): Promise<void> {
    await this.db.insertInto('file_versions').values(row).execute();
  }

  findById(id: string): Promise<FileVersionRow | undefined> {
    return this.db.selectFrom('file_versions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async markCommitted(id: string, size: number, sha256: string): Promise<void> {
    await this.db
      .updateTable('file_versions')
      .set({ status: 'committed', size, sha256 })
      .where('id', '=', id)
      .execute();
  }

  /** Records a chunk before it is sent to its store (locator still unknown). */
  async insertPendingChunk(chunk: Omit<ChunkRow, 'locator'>): Promise<void> {
    await this.db
      .insertInto('chunks')
      .values({ ...chunk, locator: null })
      .execute();
  }

  async setChunkStored(
    versionId: string,
    idx: number,
    stored: { locator: string; plain_size: number; sealed_size: number },
  ): Promise<void> {
    await this.db
      .updateTable('chunks')
      .set(stored)
      .where('version_id', '=', versionId)
      .where('idx', '=', idx)
      .execute();
  }

  chunks(versionId: string): Promise<ChunkRow[]> {
    return this.db
      .selectFrom('chunks')
      .selectAll()
      .where('version_id', '=', versionId)
      .orderBy('idx')
      .execute();
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
      const ids = versionIds.slice(i, i + 500);
      const rows = await this.db.selectFrom('chunks').selectAll().where('version_id', 'in', ids).execute();
      await this.queueGarbage(rows, at);
      await this.db.deleteFrom('file_versions').where('id', 'in', ids).execute();
    }
  }

  private async queueGarbage(rows: ChunkRow[], at: number): Promise<void> {
    const garbage = rows.map((r) => ({ store: r.store, locator: r.locator ?? r.chunk_key, created_at: at }));
    for (let i = 0; i < garbage.length; i += 300) {
      await this.db
        .insertInto('garbage_chunks')
        .values(garbage.slice(i, i + 300))
        .execute();
    }
  }

  garbage(limit: number): Promise<{ id: number; store: string; locator: string; attempts: number }[]> {
    return this.db
      .selectFrom('garbage_chunks')
      .select(['id', 'store', 'locator', 'attempts'])
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

  /** Of these chunk keys, those that a chunk record (stored, pending or queued for deletion) knows. */
  async knownKeys(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const chunks = await this.db
      .selectFrom('chunks')
      .select('chunk_key')
      .where('chunk_key', 'in', keys)
      .execute();
    return new Set(chunks.map((c) => c.chunk_key));
  }
}
