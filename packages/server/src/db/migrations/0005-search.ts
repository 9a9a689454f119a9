import { foldForSearch } from '@idrive/shared';
import { sql, type Kysely, type Migration } from 'kysely';
import type { DbDialect } from '../database.js';

/** Rows folded per statement while filling `search_name` for existing items. */
const BACKFILL_BATCH = 1_000;

/**
 * Name search and tags. Each item gets `search_name`, its name folded for search (see
 * `foldForSearch`), which the item repository keeps in step with `name`. Substring search needs a
 * trigram index over it: an FTS5 trigram table on SQLite (kept in sync by triggers), a pg_trgm GIN
 * index on PostgreSQL.
 */
export function search(dialect: DbDialect): Migration {
  const byteOrder = dialect === 'postgres' ? sql`collate "C"` : sql``;
  return {
    async up(db: Kysely<unknown>) {
      // SQLite migrations run outside a transaction; one around the backfill turns a million
      // commits into one. PostgreSQL's migrator is already inside one.
      const inOne = (fn: (tx: Kysely<unknown>) => Promise<void>) =>
        dialect === 'sqlite' ? db.transaction().execute(fn) : fn(db);

      await inOne(async (tx) => {
        await tx.schema
          .alterTable('items')
          .addColumn('search_name', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await backfill(tx);
        if (dialect === 'sqlite') await sqliteIndex(tx);
        else await postgresIndex(tx);

        await tx.schema
          .createTable('tags')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('name_key', 'text', (c) => c.notNull().modifyEnd(byteOrder))
          .addColumn('color', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await tx.schema
          .createIndex('tags_owner_name')
          .on('tags')
          .columns(['owner_id', 'name_key'])
          .unique()
          .execute();
        await tx.schema
          .createTable('item_tags')
          .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
          .addColumn('tag_id', 'text', (c) => c.notNull().references('tags.id').onDelete('cascade'))
          .addPrimaryKeyConstraint('item_tags_pk', ['item_id', 'tag_id'])
          .execute();
        // "Everything with this tag" starts from the tag.
        await tx.schema.createIndex('item_tags_tag').on('item_tags').columns(['tag_id', 'item_id']).execute();
      });
    },
  };
}

/** Folds the names of existing items, a batch at a time in id order. */
async function backfill(db: Kysely<unknown>): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await sql<{ id: string; name: string }>`
      select id, name from items where id > ${after} order by id limit ${BACKFILL_BATCH}`.execute(db);
    if (rows.length === 0) return;
    const values = sql.join(rows.map((r) => sql`(${r.id}, ${foldForSearch(r.name)})`));
    await sql`
      with folded(id, search_name) as (values ${values})
      update items set search_name = folded.search_name from folded where items.id = folded.id`.execute(db);
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * An external-content FTS5 table over `items.search_name`, keyed by the items' rowid (which VACUUM
 * keeps, since `items` has indexes). The trigram tokenizer makes any substring of three or more
 * characters an index lookup; the text is folded already, hence case_sensitive.
 */
async function sqliteIndex(db: Kysely<unknown>): Promise<void> {
  await sql`
    create virtual table items_search using fts5(
      search_name, content = 'items', content_rowid = 'rowid', tokenize = 'trigram case_sensitive 1'
    )`.execute(db);
  await sql`
    create trigger items_search_insert after insert on items begin
      insert into items_search (rowid, search_name) values (new.rowid, new.search_name);
    end`.execute(db);
  // Also fires for rows removed by the parent foreign key's cascade.
  await sql`
    create trigger items_search_delete after delete on items begin
      insert into items_search (items_search, rowid, search_name) values ('delete', old.rowid, old.search_name);
    end`.execute(db);
  await sql`
    create trigger items_search_update after update of search_name on items
    when old.search_name is not new.search_name begin
      insert into items_search (items_search, rowid, search_name) values ('delete', old.rowid, old.search_name);
      insert into items_search (rowid, search_name) values (new.rowid, new.search_name);
    end`.execute(db);
  await sql`insert into items_search (items_search) values ('rebuild')`.execute(db);
}

/**
 * A pg_trgm GIN index. The extension is database-wide and lives in one schema: it goes into `public`
 * (not the current schema, which may be dropped with everything in it, as the tests do with theirs),
 * and the operator class is named with whatever schema it is in.
 */
async function postgresIndex(db: Kysely<unknown>): Promise<void> {
  // Instances migrating at the same time would otherwise race to create the extension.
  await sql`select pg_advisory_xact_lock(hashtext('idrive:create extension pg_trgm'))`.execute(db);
  await sql`create extension if not exists pg_trgm with schema public`.execute(db);
  const { rows } = await sql<{ schema: string }>`
    select nspname as schema from pg_extension join pg_namespace on pg_namespace.oid = extnamespace
    where extname = 'pg_trgm'`.execute(db);
  const opclass = sql`${sql.id(rows[0]!.schema)}.gin_trgm_ops`;
  await sql`
    create index items_search_trgm on items using gin (search_name ${opclass})
    where trashed_at is null`.execute(db);
}
