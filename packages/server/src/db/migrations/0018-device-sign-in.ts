import type { Kysely, Migration } from 'kysely';

/**
 * Device sign-ins waiting for, or given, their approval. The three secrets are kept only as their
 * SHA-256; the rows live here rather than in one process so that a phone polling one instance is
 * approved from another.
 */
export const deviceSignIn: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('device_pairings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code_hash', 'text', (c) => c.notNull().unique())
      .addColumn('short_code_hash', 'text', (c) => c.notNull().unique())
      .addColumn('device_secret_hash', 'text', (c) => c.notNull().unique())
      .addColumn('status', 'text', (c) => c.notNull())
      // Who approved or denied it.
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('user_agent', 'text')
      .addColumn('ip', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('device_pairings_expiry')
      .on('device_pairings')
      .column('expires_at')
      .execute();
  },
};
