import type { Db, Tx } from '../db/database.js';
import type { MediaRow, MediaTable } from '../db/schema.js';

/** What a media job found out about a version; the outcome is written only while still pending. */
export type MediaOutcome = Pick<
  MediaTable,
  | 'width'
  | 'height'
  | 'orientation'
  | 'duration_ms'
  | 'thumbnail_version_id'
  | 'preview_version_id'
  | 'preview_width'
  | 'preview_height'
  | 'camera'
  | 'error'
> & { status: Exclude<MediaTable['status'], 'pending'> };

/** The media table: one row per image or video version, pending until its job has run. */
export class MediaRepository {
  constructor(private readonly db: Db | Tx) {}

  async insertPending(versionId: string, kind: MediaTable['kind'], now: number): Promise<void> {
    await this.db
      .insertInto('media')
      .values({ version_id: versionId, kind, status: 'pending', created_at: now, updated_at: now })
      .execute();
  }

  /** Versions whose media job has not run, with the type of a file holding each (a restore queues them again). */
  async pendingWithType(): Promise<{ versionId: string; mimeType: string | null }[]> {
    const rows = await this.db
      .selectFrom('media')
      .innerJoin('items', 'items.version_id', 'media.version_id')
      .select(['media.version_id', (eb) => eb.fn.max('items.mime_type').as('mime_type')])
      .where('media.status', '=', 'pending')
      .groupBy('media.version_id')
      .execute();
    return rows.map((r) => ({ versionId: r.version_id, mimeType: r.mime_type }));
  }

  find(versionId: string): Promise<MediaRow | undefined> {
    return this.db.selectFrom('media').selectAll().where('version_id', '=', versionId).executeTakeFirst();
  }

  /**
   * Records a job's outcome on a row that is still pending. Returns false when there is none: the
   * version was deleted meanwhile (or another run got there first), so a thumbnail just stored is
   * not wanted. Because deleting a version deletes its row, this update and that delete wait for
   * each other, and a thumbnail is never recorded on a row already gone.
   */
  async settle(versionId: string, outcome: MediaOutcome, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('media')
      .set({ ...outcome, updated_at: now })
      .where('version_id', '=', versionId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
