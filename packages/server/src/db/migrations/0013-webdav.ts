import type { Kysely, Migration } from 'kysely';

/**
 * WebDAV: the SHA-1 and MD5 of a version's plaintext (clients such as rclone compare them), the
 * class 2 locks clients take on paths, and the dead properties they store on items. Locks live here
 * rather than in one process's memory so that every instance sees the same ones.
 */
export const webdav: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('file_versions').addColumn('sha1', 'text').execute();
    await db.schema.alterTable('file_versions').addColumn('md5', 'text').execute();
    await db.schema
      .createTable('dav_locks')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      // The locked path, each segment folded as names are compared ('' is the root).
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('infinite', 'integer', (c) => c.notNull())
      .addColumn('exclusive', 'integer', (c) => c.notNull())
      .addColumn('owner_xml', 'text')
      .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('dav_locks_user')
      .on('dav_locks')
      .columns(['user_id', 'expires_at'])
      .execute();
    await db.schema
      .createTable('dav_properties')
      .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      // The property's content as XML, every element carrying its own namespace.
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('dav_properties_pk', ['item_id', 'namespace', 'name'])
      .execute();
  },
};
