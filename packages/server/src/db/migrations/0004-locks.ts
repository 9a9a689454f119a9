import type { Kysely, Migration } from 'kysely';

/** Password-locked folders, and the short-lived grants that open one for a session. */
export const locks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('folder_locks')
      .addColumn('folder_id', 'text', (c) => c.primaryKey().references('items.id').onDelete('cascade'))
      .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('folder_locks_owner').on('folder_locks').column('owner_id').execute();
    await db.schema
      .createTable('unlock_grants')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('folder_id', 'text', (c) =>
        c.notNull().references('folder_locks.folder_id').onDelete('cascade'),
      )
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('unlock_grants_pk', ['session_id', 'folder_id'])
      .execute();
  },
};
