import { sql, type Kysely } from 'kysely';
import type { DbHandle } from './database.js';
import type { Database } from './schema.js';

/** A table whose rows the metadata journal keeps, and the columns that name a row. */
export interface JournaledTable {
  name: keyof Database & string;
  key: readonly string[];
}

/**
 * What a drive is rebuilt from, in an order where every row's foreign keys point at rows of tables
 * before it (items point at their parents too: those go parents first). Sessions, unlock grants,
 * pairings, jobs, staged upload tails, share visits, recent files and quota reservations are not
 * kept: a restored drive signs everyone in again, and the rest is either passing or a log. Nor is
 * the one-row settings table, which a new database makes for itself (the default quota of new
 * accounts is set again after a restore).
 */
export const JOURNALED_TABLES: readonly JournaledTable[] = [
  { name: 'drive', key: ['id'] },
  { name: 'users', key: ['id'] },
  { name: 'app_passwords', key: ['id'] },
  { name: 'discord_credentials', key: ['id'] },
  { name: 'file_versions', key: ['id'] },
  { name: 'packs', key: ['id'] },
  { name: 'chunks', key: ['version_id', 'idx'] },
  { name: 'chunk_copies', key: ['store', 'locator', 'copy_locator'] },
  { name: 'items', key: ['id'] },
  { name: 'user_shares', key: ['item_id', 'grantee_id'] },
  { name: 'uploads', key: ['id'] },
  { name: 'folder_locks', key: ['folder_id'] },
  { name: 'shares', key: ['id'] },
  { name: 'tags', key: ['id'] },
  { name: 'item_tags', key: ['item_id', 'tag_id'] },
  { name: 'version_history', key: ['item_id', 'version_id'] },
  { name: 'item_stars', key: ['user_id', 'item_id'] },
  { name: 'media', key: ['version_id'] },
  { name: 'dav_locks', key: ['token'] },
  { name: 'dav_properties', key: ['item_id', 'namespace', 'name'] },
  { name: 'garbage_chunks', key: ['id'] },
];

export function journaledTable(name: string): JournaledTable | undefined {
  return JOURNALED_TABLES.find((t) => t.name === name);
}

/**
 * Installs (or, with `enabled` false, removes) the triggers that write every change of a journaled
 * table into the outbox, in one transaction. SQLite's triggers name each column, so they are made
 * again whenever a table's columns changed since (a later migration added one); PostgreSQL's take
 * the whole row. Returns whether some table had no trigger before: its changes since were not
 * journaled, so the next checkpoint has to cover them.
 */
export async function syncJournalCapture(handle: DbHandle, enabled: boolean): Promise<boolean> {
  return handle.db.transaction().execute(async (tx) => {
    const db = tx as unknown as Kysely<unknown>;
    const gap = handle.dialect === 'sqlite' ? await syncSqlite(db, enabled) : await syncPostgres(db, enabled);
    if (gap && enabled) await sql`update journal_state set checkpoint_due = 1 where id = 1`.execute(db);
    return gap && enabled;
  });
}

const NOW_MS = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;

/** The three triggers of one SQLite table, by name, as CREATE statements. */
export function sqliteTriggers(table: JournaledTable, columns: readonly string[]): Map<string, string> {
  const t = table.name;
  const object = (row: 'NEW' | 'OLD', cols: readonly string[]) =>
    `json_object(${cols.map((c) => `'${c}', ${row}."${c}"`).join(', ')})`;
  const insert = (op: 'upsert' | 'delete', row: 'NEW' | 'OLD') =>
    `INSERT INTO journal_outbox (tbl, op, pk, row, at) VALUES ('${t}', '${op}', ${object(row, table.key)}, ${
      op === 'upsert' ? object(row, columns) : 'NULL'
    }, ${NOW_MS});`;
  const changed = (cols: readonly string[]) => cols.map((c) => `OLD."${c}" IS NOT NEW."${c}"`).join(' OR ');
  return new Map([
    [
      `journal_${t}_insert`,
      `CREATE TRIGGER "journal_${t}_insert" AFTER INSERT ON "${t}" BEGIN ${insert('upsert', 'NEW')} END`,
    ],
    [
      `journal_${t}_update`,
      `CREATE TRIGGER "journal_${t}_update" AFTER UPDATE ON "${t}" WHEN ${changed(columns)} BEGIN ` +
        `INSERT INTO journal_outbox (tbl, op, pk, row, at) SELECT '${t}', 'delete', ${object('OLD', table.key)}, NULL, ${NOW_MS} WHERE ${changed(table.key)}; ` +
        `${insert('upsert', 'NEW')} END`,
    ],
    [
      `journal_${t}_delete`,
      `CREATE TRIGGER "journal_${t}_delete" AFTER DELETE ON "${t}" BEGIN ${insert('delete', 'OLD')} END`,
    ],
  ]);
}

async function syncSqlite(db: Kysely<unknown>, enabled: boolean): Promise<boolean> {
  const existing = new Map(
    (
      await sql<{ name: string; sql: string }>`
        select name, sql from sqlite_master where type = 'trigger' and name like 'journal\\_%' escape '\\'`.execute(
        db,
      )
    ).rows.map((r) => [r.name, r.sql]),
  );
  const wanted = new Map<string, string>();
  let gap = false;
  if (enabled) {
    for (const table of JOURNALED_TABLES) {
      const columns = (
        await sql<{ name: string }>`select name from pragma_table_info(${table.name})`.execute(db)
      ).rows.map((r) => r.name);
      const triggers = sqliteTriggers(table, columns);
      if (![...triggers.keys()].some((name) => existing.has(name))) gap = true;
      for (const [name, text] of triggers) wanted.set(name, text);
    }
  }
  for (const [name, text] of existing) {
    if (wanted.get(name) !== text) await sql.raw(`DROP TRIGGER "${name}"`).execute(db);
  }
  for (const [name, text] of wanted) {
    if (existing.get(name) !== text) await sql.raw(text).execute(db);
  }
  return gap;
}

async function syncPostgres(db: Kysely<unknown>, enabled: boolean): Promise<boolean> {
  // Instances starting together: the second waits, then finds the triggers the first made.
  await sql`select pg_advisory_xact_lock(hashtext('idrive:journal capture'))`.execute(db);
  const present = new Set(
    (
      await sql<{ relname: string }>`
        select c.relname from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        where t.tgname = 'journal_capture' and n.nspname = current_schema()`.execute(db)
    ).rows.map((r) => r.relname),
  );
  let gap = false;
  for (const table of JOURNALED_TABLES) {
    const has = present.has(table.name);
    if (enabled && !has) {
      gap = true;
      const keys = table.key.map((k) => `'${k}'`).join(', ');
      await sql
        .raw(
          `create trigger journal_capture after insert or update or delete on "${table.name}" ` +
            `for each row execute function journal_capture(${keys})`,
        )
        .execute(db);
    } else if (!enabled && has) {
      await sql.raw(`drop trigger journal_capture on "${table.name}"`).execute(db);
    }
  }
  return gap;
}
