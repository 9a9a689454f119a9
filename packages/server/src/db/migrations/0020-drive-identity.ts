import { randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';

interface After {
  drive: { id: string };
}

/**
 * The drive's own id, which format-2 chunks carry and are bound to (docs/storage-format.md), and the
 * storage format of each version. It is made here, once: on a new drive that is its first start.
 * Versions stored before were written in format 1 and are read as they always were.
 */
export const driveIdentity: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('drive')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .execute();
    await (db as unknown as Kysely<After>).insertInto('drive').values({ id: randomUUID() }).execute();
    await db.schema
      .alterTable('file_versions')
      .addColumn('format', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
  },
};
