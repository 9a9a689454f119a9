import { sql, type Kysely, type Migration } from 'kysely';

interface After {
  settings: { id: number; default_quota_bytes: number | null };
}

/**
 * Storage quotas: each user's quota (null: no limit), the drive's settings with the quota a new
 * account starts with, the bytes uploads in progress hold against their owner's quota, and tus
 * uploads whose length the client gives later (Upload-Defer-Length).
 *
 * Used bytes now count every earlier version a file keeps as well as its current content, so they
 * are counted again here from the items and their histories.
 */
export const quotas: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('quota_bytes', 'bigint').execute();
    await db.schema
      .createTable('settings')
      // One row: the drive's settings as typed columns, not a bag of keys.
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('default_quota_bytes', 'bigint')
      .execute();
    await (db as unknown as Kysely<After>)
      .insertInto('settings')
      .values({ id: 1, default_quota_bytes: null })
      .execute();
    await db.schema
      .createTable('quota_reservations')
      // Goes with its version: a discarded or expired upload gives its bytes back by itself.
      .addColumn('version_id', 'text', (c) =>
        c.primaryKey().references('file_versions.id').onDelete('cascade'),
      )
      // Whose quota it counts against: the owner of the folder the bytes go into.
      .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('quota_reservations_owner')
      .on('quota_reservations')
      .column('owner_id')
      .execute();
    await db.schema
      .alterTable('uploads')
      .addColumn('length_deferred', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`
      update users set used_bytes =
        coalesce((select sum(items.size) from items
          where items.owner_id = users.id and items.type = 'file'), 0)
        + coalesce((select sum(file_versions.size) from version_history
          join items on items.id = version_history.item_id
          join file_versions on file_versions.id = version_history.version_id
          where items.owner_id = users.id), 0)`.execute(db);
  },
};
