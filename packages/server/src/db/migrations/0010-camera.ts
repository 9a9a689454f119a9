import type { Kysely, Migration } from 'kysely';
import { queueStoredMedia } from './0006-media.js';

/**
 * Camera RAW and HEIC previews: a full-size upright JPEG stored as a version of its own (deleted with
 * the file's version, like the thumbnail), its size, and the camera's EXIF facts. RAW and HEIF files
 * stored before this migration had no media job; they are queued now.
 */
export const camera: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('media')
      .addColumn('preview_version_id', 'text', (c) => c.references('file_versions.id').onDelete('set null'))
      .execute();
    await db.schema.alterTable('media').addColumn('preview_width', 'integer').execute();
    await db.schema.alterTable('media').addColumn('preview_height', 'integer').execute();
    await db.schema.alterTable('media').addColumn('camera', 'text').execute();
    // Without it, every deleted file version would scan the table for the foreign key.
    await db.schema.createIndex('media_preview').on('media').column('preview_version_id').execute();
    await queueStoredMedia(db);
  },
};
