import type { Kysely, Migration } from 'kysely';

/**
 * Version history: the versions a file held before it was saved over or replaced, the per-user
 * retention limits, and for a version made by restoring another, the version whose key and stored
 * chunks it shares.
 */
export const versionHistory: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('version_history')
      .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addColumn('version_id', 'text', (c) => c.notNull().references('file_versions.id').onDelete('cascade'))
      // When it stopped being the file's current version: retention by age counts from here.
      .addColumn('replaced_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('version_history_pk', ['item_id', 'version_id'])
      .execute();
    // Whether anything still refers to a version is asked by version.
    await db.schema
      .createIndex('version_history_version')
      .on('version_history')
      .column('version_id')
      .execute();
    await db.schema.alterTable('file_versions').addColumn('sealed_as', 'text').execute();
    await db.schema.alterTable('users').addColumn('version_keep_days', 'integer').execute();
    await db.schema.alterTable('users').addColumn('version_keep_count', 'integer').execute();
  },
};
