import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Copies of stored objects (docs/decisions.md, "Replicas"). A chunk row names one object (`store`,
 * `locator`); `chunk_copies` lists every copy of that object, the first one included, with what the
 * scrubber last found of it, so one table says how many good copies each chunk has. Every object
 * stored so far is its own single copy, unchecked. `drive.replicas` is how many copies the drive
 * keeps of each.
 */
export const replicas: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('chunk_copies')
      .addColumn('store', 'text', (c) => c.notNull())
      .addColumn('locator', 'text', (c) => c.notNull())
      .addColumn('copy_locator', 'text', (c) => c.notNull())
      .addColumn('copy_container', 'text', (c) => c.notNull())
      // 'ok', or what the last check or read found: 'missing' (gone from the store), 'damaged'.
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('ok'))
      .addColumn('checked_at', 'bigint')
      .addColumn('deep_checked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('chunk_copies_pk', ['store', 'locator', 'copy_locator'])
      .execute();
    // The collector and the orphan sweep ask whether a container still holds a copy.
    await db.schema
      .createIndex('chunk_copies_container')
      .on('chunk_copies')
      .columns(['store', 'copy_container'])
      .execute();
    // The scrubber walks copies in the order they were last checked.
    await db.schema.createIndex('chunk_copies_checked').on('chunk_copies').column('checked_at').execute();
    // Chunks are looked up by the object they name (a copy's chunks, a rekeyed object's rows).
    await db.schema.createIndex('chunks_locator').on('chunks').columns(['store', 'locator']).execute();

    const now = Date.now();
    await sql`
      insert into chunk_copies (store, locator, copy_locator, copy_container, status, created_at)
      select store, locator, locator, min(coalesce(container, locator)), 'ok', cast(${now} as bigint)
      from chunks where locator is not null group by store, locator`.execute(db);

    await db.schema
      .alterTable('drive')
      .addColumn('replicas', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
  },
};
