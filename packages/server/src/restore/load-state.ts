import { sql, type Kysely } from 'kysely';
import type { DbHandle } from '../db/database.js';
import { JOURNALED_TABLES } from '../db/journal-capture.js';
import type { DriveState } from '../journal/drive-state.js';
import type { Row } from '../journal/journal-records.js';

/** A single-column foreign key of a table, as the target database declares it. */
interface ForeignKey {
  column: string;
  /** The table it points into (at that table's key). */
  table: string;
  /** 'set null' clears a dangling reference; anything else drops the row. */
  onDelete: string;
}

/** Rows per insert: well under both databases' limits on bound parameters. */
const PARAMETERS_PER_INSERT = 10_000;

/**
 * Writes a folded drive into an empty, migrated database, table by table in JOURNALED_TABLES order
 * and in one transaction. Only the target's columns are written (a newer schema fills the rest
 * with its defaults). A row whose reference has no row to point at (the journal was cut short by a
 * gap) is left out, or has the reference cleared where the schema would clear it; each such row is
 * counted in the answer, so nothing is dropped silently.
 */
export async function loadState(handle: DbHandle, state: DriveState): Promise<Map<string, number>> {
  const db = handle.db as unknown as Kysely<Record<string, Row>>;
  const users = await sql<{ n: number }>`select count(*) as n from users`.execute(db);
  if (Number(users.rows[0]!.n) > 0)
    throw new Error('The database already holds a drive; restore needs an empty one');
  const columns = await tableColumns(handle);
  const keys = await foreignKeys(handle);
  const dropped = new Map<string, number>();
  const kept = new Map<string, Set<unknown>>();
  await handle.db.transaction().execute(async (tx) => {
    const t = tx as unknown as Kysely<Record<string, Row>>;
    await sql`delete from drive`.execute(t);
    for (const table of JOURNALED_TABLES) {
      const names = columns.get(table.name) ?? [];
      const rows: Row[] = [];
      const ids = new Set<unknown>();
      for (const row of state.rows(table.name)) {
        const fixed = checked(row, keys.get(table.name) ?? [], kept, table.name, ids);
        if (!fixed) {
          dropped.set(table.name, (dropped.get(table.name) ?? 0) + 1);
          continue;
        }
        if (table.key.length === 1) ids.add(fixed[table.key[0]!]);
        rows.push(Object.fromEntries(names.filter((c) => c in fixed).map((c) => [c, fixed[c]])));
      }
      kept.set(table.name, ids);
      const per = Math.max(1, Math.floor(PARAMETERS_PER_INSERT / Math.max(1, names.length)));
      for (let i = 0; i < rows.length; i += per) {
        await t
          .insertInto(table.name)
          .values(rows.slice(i, i + per))
          .execute();
      }
    }
    if (handle.dialect === 'postgres') {
      await sql`select setval(pg_get_serial_sequence('garbage_chunks', 'id'), coalesce(max(id), 0) + 1, false) from garbage_chunks`.execute(
        t,
      );
    }
  });
  return dropped;
}

/** The row with its references checked against the rows kept so far; null when it must be left out. */
function checked(
  row: Row,
  keys: ForeignKey[],
  kept: Map<string, Set<unknown>>,
  table: string,
  keptHere: Set<unknown>,
): Row | null {
  let out = row;
  for (const key of keys) {
    const value = row[key.column];
    if (value === null || value === undefined) continue;
    const targets = key.table === table ? keptHere : kept.get(key.table);
    // A reference to a table that is not journaled (none today) cannot be checked here.
    if (!targets || targets.has(value)) continue;
    if (key.onDelete !== 'set null') return null;
    out = { ...out, [key.column]: null };
  }
  return out;
}

/** The columns of every journaled table in the target database (its current schema only, on PostgreSQL). */
async function tableColumns(handle: DbHandle): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const { name } of JOURNALED_TABLES) {
    const { rows } =
      handle.dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from pragma_table_info(${name})`.execute(handle.db)
        : await sql<{ name: string }>`
            select column_name as name from information_schema.columns
            where table_schema = current_schema() and table_name = ${name}`.execute(handle.db);
    out.set(
      name,
      rows.map((r) => r.name),
    );
  }
  return out;
}

/** The single-column foreign keys of every journaled table, from the target database itself. */
async function foreignKeys(handle: DbHandle): Promise<Map<string, ForeignKey[]>> {
  const out = new Map<string, ForeignKey[]>();
  for (const { name } of JOURNALED_TABLES) {
    const { rows } =
      handle.dialect === 'sqlite'
        ? await sql<{ from: string; table: string; on_delete: string }>`
            select "from", "table", on_delete from pragma_foreign_key_list(${name})`.execute(handle.db)
        : await sql<{ from: string; table: string; on_delete: string }>`
            select a.attname as "from", cf.relname as "table",
              case c.confdeltype when 'n' then 'set null' when 'c' then 'cascade' else 'no action' end as on_delete
            from pg_constraint c
            join pg_class cl on cl.oid = c.conrelid
            join pg_namespace n on n.oid = cl.relnamespace
            join pg_class cf on cf.oid = c.confrelid
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
            where c.contype = 'f' and cl.relname = ${name} and n.nspname = current_schema()`.execute(
            handle.db,
          );
    out.set(
      name,
      rows.map((r) => ({ column: r.from, table: r.table, onDelete: r.on_delete.toLowerCase() })),
    );
  }
  return out;
}
