import { JOURNALED_TABLES, journaledTable, type JournaledTable } from '../db/journal-capture.js';
import { IntegrityError } from '../storage/errors.js';
import type { JournalRecord, Row } from './journal-records.js';

/**
 * A drive's journaled rows, folded from a checkpoint and the journal records after it: each record
 * replaces (or removes) the whole row it names, so replaying records in order gives the rows as they
 * were after the last one, whatever the checkpoint held of them before.
 */
export class DriveState {
  private readonly tables = new Map<string, Map<string, Row>>(
    JOURNALED_TABLES.map((t) => [t.name, new Map()]),
  );
  /** Every version any row or record named, even one deleted since: a scan leaves those alone. */
  private readonly versions = new Set<string>();
  /** The last sequence number folded in. */
  through = 0;

  /** A row of a checkpoint. */
  put(tableName: string, row: Row): void {
    const table = this.table(tableName);
    this.rowsOf(table).set(keyOf(table, row), row);
    this.noteVersion(table, row);
  }

  /** A journal record, which must come after everything folded so far. */
  apply(record: JournalRecord): void {
    if (record.seq <= this.through)
      throw new IntegrityError(`Journal record ${record.seq} comes after ${this.through}`);
    const table = this.table(record.table);
    const key = keyOf(table, record.key);
    if (record.op === 'delete') this.rowsOf(table).delete(key);
    else {
      if (!record.row) throw new IntegrityError(`Journal record ${record.seq} is an upsert without a row`);
      this.rowsOf(table).set(key, record.row);
      this.noteVersion(table, record.row);
    }
    if (table.name === 'file_versions' || table.name === 'chunks') this.noteVersion(table, record.key);
    this.through = record.seq;
  }

  /** The rows of a table, in an order they can be inserted in (parent folders before their children). */
  rows(tableName: string): Row[] {
    const rows = [...this.rowsOf(this.table(tableName)).values()];
    return tableName === 'items' ? parentsFirst(rows) : rows;
  }

  count(tableName: string): number {
    return this.rowsOf(this.table(tableName)).size;
  }

  hasVersion(id: string): boolean {
    return this.versions.has(id);
  }

  private table(name: string): JournaledTable {
    const table = journaledTable(name);
    if (!table) throw new IntegrityError(`The journal names a table this server does not keep: ${name}`);
    return table;
  }

  private rowsOf(table: JournaledTable): Map<string, Row> {
    return this.tables.get(table.name)!;
  }

  private noteVersion(table: JournaledTable, row: Row): void {
    const id = table.name === 'file_versions' ? row.id : table.name === 'chunks' ? row.version_id : null;
    if (typeof id === 'string') this.versions.add(id);
  }
}

function keyOf(table: JournaledTable, row: Row): string {
  return JSON.stringify(table.key.map((k) => row[k] ?? null));
}

/** Items ordered so that every item comes after its parent. */
function parentsFirst(items: Row[]): Row[] {
  const children = new Map<unknown, Row[]>();
  const ids = new Set(items.map((i) => i.id));
  const roots: Row[] = [];
  for (const item of items) {
    if (item.parent_id === null || !ids.has(item.parent_id)) roots.push(item);
    else {
      const siblings = children.get(item.parent_id);
      if (siblings) siblings.push(item);
      else children.set(item.parent_id, [item]);
    }
  }
  const ordered: Row[] = [];
  const queue = roots;
  for (let i = 0; i < queue.length; i++) {
    const item = queue[i]!;
    ordered.push(item);
    queue.push(...(children.get(item.id) ?? []));
  }
  return ordered;
}
