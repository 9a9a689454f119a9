import type { Kysely, Migration } from 'kysely';

/**
 * Each user's starred items and recently opened or changed files. Both go with the item (a purge
 * takes its stars and recent entries along) and with the user; the item_id indexes keep those
 * cascades from scanning the tables, and the (user, time, item) indexes give both lists in their order.
 */
export const starsRecent: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('item_stars')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addColumn('starred_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('item_stars_pk', ['user_id', 'item_id'])
      .execute();
    await db.schema
      .createIndex('item_stars_order')
      .on('item_stars')
      .columns(['user_id', 'starred_at', 'item_id'])
      .execute();
    await db.schema.createIndex('item_stars_item').on('item_stars').column('item_id').execute();

    await db.schema
      .createTable('recent_items')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
      // 'opened' or 'changed': what happened at `at`, the last time anything did.
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('recent_items_pk', ['user_id', 'item_id'])
      .execute();
    await db.schema
      .createIndex('recent_items_order')
      .on('recent_items')
      .columns(['user_id', 'at', 'item_id'])
      .execute();
    await db.schema.createIndex('recent_items_item').on('recent_items').column('item_id').execute();
  },
};
