import type { Kysely, Migration } from 'kysely';

/** Named, revocable secrets for WebDAV and the command line, kept only as their SHA-256. */
export const appPasswords: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('app_passwords')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
      .addColumn('read_only', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema.createIndex('app_passwords_user').on('app_passwords').column('user_id').execute();
  },
};
