import type { Kysely, Migration } from 'kysely';

/**
 * A credential Discord refused stays out of use, with the reason, in the database: every instance
 * (and the next start) sees it, so no instance spends invalid requests rediscovering it.
 */
export const discordQuarantine: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('discord_credentials').addColumn('quarantine_reason', 'text').execute();
    await db.schema.alterTable('discord_credentials').addColumn('quarantined_at', 'bigint').execute();
  },
};
