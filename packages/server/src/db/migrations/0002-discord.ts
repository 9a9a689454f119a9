import type { Kysely, Migration } from 'kysely';

/** Discord credentials: the bot(s) that read and delete, the webhooks that upload. */
export const discord: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('discord_credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('guild_id', 'text', (c) => c.notNull())
      .addColumn('channel_id', 'text')
      // Encrypted with a key derived from the master key: a copy of the database alone gives no token.
      .addColumn('sealed_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
