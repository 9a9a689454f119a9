import type { Kysely, Migration } from 'kysely';

/**
 * Items shared between users of the drive: one row per item and user, with the role. A row goes with
 * its item (a purge) and with either user; the grantee index gives Shared with me in its order and
 * the user's shared items for access checks, the primary key an item's list of people.
 * `file_versions.created_by` names who stored a version, who need not be its owner (an editor's
 * upload into a shared folder is the owner's file); it is a plain id, so a deleted account leaves
 * its versions' author unknown rather than taking anything with it.
 */
export const userShares: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('user_shares')
      .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addColumn('grantee_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      // 'viewer' or 'editor'.
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('granted_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('granted_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_shares_pk', ['item_id', 'grantee_id'])
      .execute();
    await db.schema
      .createIndex('user_shares_grantee')
      .on('user_shares')
      .columns(['grantee_id', 'granted_at', 'item_id'])
      .execute();
    await db.schema.alterTable('file_versions').addColumn('created_by', 'text').execute();
  },
};
