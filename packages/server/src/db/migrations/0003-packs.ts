import { sql, type Kysely, type Migration } from 'kysely';
import { containerOfLocator } from '../../storage/discord/discord-types.js';

/**
 * Packs (many small files' chunks in one stored object) and chunk containers (the unit a store
 * deletes: a Discord message takes all its attachments with it).
 */
export const packs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('packs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('store', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('chunks').addColumn('container', 'text').execute();
    await db.schema.alterTable('chunks').addColumn('pack_id', 'text').execute();
    await db.schema.alterTable('chunks').addColumn('pack_offset', 'bigint').execute();
    await db.schema.createIndex('chunks_container').on('chunks').columns(['store', 'container']).execute();
    await db.schema.createIndex('chunks_pack').on('chunks').column('pack_id').execute();

    // Chunks stored before: a local chunk is its own container; a Discord chunk's is its message.
    await sql`update chunks set container = locator where store <> 'discord'`.execute(db);
    const discordRows = await sql<{ locator: string }>`
      select distinct locator from chunks where store = 'discord' and locator is not null`.execute(db);
    for (const { locator } of discordRows.rows) {
      await sql`update chunks set container = ${containerOfLocator(locator)} where store = 'discord' and locator = ${locator}`.execute(
        db,
      );
    }
  },
};
