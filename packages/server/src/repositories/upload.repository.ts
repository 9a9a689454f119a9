import type { ExpressionBuilder } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { Database, UploadRow } from '../db/schema.js';

/** Resumable uploads in progress. */
export class UploadRepository {
  constructor(private readonly db: Db | Tx) {}

  async insert(row: UploadRow): Promise<void> {
    await this.db.insertInto('uploads').values(row).execute();
  }

  findOwned(ownerId: string, id: string): Promise<UploadRow | undefined> {
    return this.db
      .selectFrom('uploads')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
  }

  /** Sets the length of an upload created without one (Upload-Defer-Length); it cannot change after. */
  async setLength(id: string, size: number): Promise<void> {
    await this.db.updateTable('uploads').set({ size, length_deferred: 0 }).where('id', '=', id).execute();
  }

  /** The resumable upload a version is being stored for, if any. */
  findByVersion(versionId: string): Promise<UploadRow | undefined> {
    return this.db.selectFrom('uploads').selectAll().where('version_id', '=', versionId).executeTakeFirst();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  expiredBefore(at: number, limit: number): Promise<UploadRow[]> {
    return this.db.selectFrom('uploads').selectAll().where('expires_at', '<', at).limit(limit).execute();
  }

  /**
   * The uploads a user's removal ends: their own, and others' into the user's folders (an editor's
   * upload into a shared folder stores a version of the owner's, which goes with the owner).
   */
  async idsForOwner(ownerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('uploads')
      .select('id')
      .where((eb) => this.ofOwner(eb, ownerId))
      .execute();
    return rows.map((r) => r.id);
  }

  async deleteForOwner(ownerId: string): Promise<void> {
    await this.db
      .deleteFrom('uploads')
      .where((eb) => this.ofOwner(eb, ownerId))
      .execute();
  }

  private ofOwner(eb: ExpressionBuilder<Database, 'uploads'>, ownerId: string) {
    return eb.or([
      eb('owner_id', '=', ownerId),
      eb('version_id', 'in', eb.selectFrom('file_versions').select('id').where('owner_id', '=', ownerId)),
    ]);
  }
}
