import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { MEDIA_JOB, MEDIA_JOB_ATTEMPTS, mediaKindOf, mediaPayload } from '../../services/media-queue.js';

/**
 * The background job queue, and what media jobs learn about images and videos (dimensions, duration,
 * a thumbnail stored as a version of its own). Files stored before this migration are queued too.
 */
export const media: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_until', 'bigint')
      .addColumn('lease', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // A claim looks for due jobs and for running jobs whose lease ran out.
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
    await db.schema.createIndex('jobs_leased').on('jobs').columns(['status', 'locked_until']).execute();

    await db.schema
      .createTable('media')
      .addColumn('version_id', 'text', (c) =>
        c.primaryKey().references('file_versions.id').onDelete('cascade'),
      )
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('orientation', 'integer')
      .addColumn('duration_ms', 'bigint')
      .addColumn('thumbnail_version_id', 'text', (c) => c.references('file_versions.id').onDelete('set null'))
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // Without it, every deleted file version would scan the table for the foreign key.
    await db.schema.createIndex('media_thumbnail').on('media').column('thumbnail_version_id').execute();
    await queueStoredMedia(db);
  },
};

/** Queues a media job, with its pending row, for every committed image or video version stored so far. */
export async function queueStoredMedia(db: Kysely<unknown>): Promise<void> {
  const now = Date.now();
  const stored = await sql<{ version_id: string; mime_type: string | null }>`
      select distinct items.version_id, items.mime_type from items
      join file_versions on file_versions.id = items.version_id
      left join media on media.version_id = items.version_id
      where items.type = 'file' and file_versions.status = 'committed' and media.version_id is null`.execute(
    db,
  );
  const queued = new Set<string>();
  const rows = stored.rows.flatMap((row) => {
    const kind = mediaKindOf(row.mime_type);
    if (!kind || queued.has(row.version_id)) return [];
    queued.add(row.version_id);
    return [{ versionId: row.version_id, kind, payload: mediaPayload(row.version_id, row.mime_type) }];
  });
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200);
    await sql`insert into media (version_id, kind, status, created_at, updated_at) values ${sql.join(
      batch.map((r) => sql`(${r.versionId}, ${r.kind}, 'pending', ${now}, ${now})`),
    )}`.execute(db);
    await sql`insert into jobs (id, kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at) values ${sql.join(
      batch.map(
        (r) =>
          sql`(${randomUUID()}, ${MEDIA_JOB}, ${JSON.stringify(r.payload)}, 'queued', 0, ${MEDIA_JOB_ATTEMPTS}, ${now}, ${now}, ${now})`,
      ),
    )}`.execute(db);
  }
}
