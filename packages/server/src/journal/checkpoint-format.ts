import { createGzip } from 'node:zlib';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db, DbHandle } from '../db/database.js';
import { JOURNALED_TABLES, type JournaledTable } from '../db/journal-capture.js';
import { DriveRepository } from '../repositories/drive.repository.js';
import { JournalRepository } from '../repositories/journal.repository.js';
import { IntegrityError } from '../storage/errors.js';
import { gunzip, parseLine, type Row } from './journal-records.js';
import { METADATA_FORMAT } from './superblock.js';

const checkpointHeader = z.object({
  kind: z.literal('idrive-checkpoint'),
  format: z.literal(METADATA_FORMAT),
  driveId: z.uuid(),
  /** Every change through this sequence number is in; the journal goes on after it. */
  through: z.number().int().min(0),
  createdAt: z.number().int(),
  /** Where the drive's journal is, and its key, so that a restore from an export can go on writing it. */
  journal: z.object({
    controlChannelId: z.string().nullable(),
    metadataKey: z.string().nullable(),
  }),
});
export type CheckpointHeader = z.infer<typeof checkpointHeader>;

const rowLine = z.object({ t: z.string().min(1), r: z.record(z.string(), z.unknown()) });

/** Rows read per query: a page of a table in key order. */
const PAGE = 2_000;

/**
 * Every journaled row of the drive, as one consistent snapshot (DbHandle.snapshot), gzipped as JSON
 * lines: a header line with the sequence number the snapshot is of, then `{t, r}` per row, table by
 * table in JOURNALED_TABLES order. Tables are read a page at a time in key order, so a big drive is
 * never one query.
 */
export async function snapshotDrive(
  handle: DbHandle,
  journal: CheckpointHeader['journal'],
  now = Date.now(),
): Promise<{ header: CheckpointHeader; gz: Buffer }> {
  return handle.snapshot(async (db) => {
    // The number is read before any row: where the view is not one snapshot (an in-memory test
    // database), the records after it still bring every row changed meanwhile up to date.
    const header: CheckpointHeader = {
      kind: 'idrive-checkpoint',
      format: METADATA_FORMAT,
      driveId: await new DriveRepository(db).id(),
      through: await new JournalRepository(db, handle.dialect).head(),
      createdAt: now,
      journal,
    };
    const gzip = createGzip();
    const out: Buffer[] = [];
    gzip.on('data', (piece: Buffer) => out.push(piece));
    const ended = new Promise<void>((resolve, reject) => {
      gzip.on('end', resolve);
      gzip.on('error', reject);
    });
    const write = (text: string) =>
      new Promise<void>((resolve, reject) => gzip.write(text, (err) => (err ? reject(err) : resolve())));
    await write(JSON.stringify(header));
    for (const table of JOURNALED_TABLES) {
      for await (const page of pages(db, table)) {
        await write(
          page.map((row) => `\n{"t":${JSON.stringify(table.name)},"r":${JSON.stringify(row)}}`).join(''),
        );
      }
    }
    gzip.end();
    await ended;
    return { header, gz: Buffer.concat(out) };
  });
}

async function* pages(db: Db, table: JournaledTable): AsyncGenerator<Row[]> {
  const keys = sql.join(table.key.map((k) => sql.ref(k)));
  let after: unknown[] | null = null;
  for (;;) {
    const from: ReturnType<typeof sql> = after
      ? sql`where (${keys}) > (${sql.join(after.map((v) => sql`${v}`))})`
      : sql``;
    const { rows } = await sql<Row>`
      select * from ${sql.table(table.name)} ${from} order by ${keys} limit ${PAGE}`.execute(db);
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    const lastRow = rows[rows.length - 1]!;
    after = table.key.map((k) => lastRow[k]);
  }
}

/** Reads a checkpoint's plaintext (gzip of its lines); throws IntegrityError when it is not one. */
export function decodeCheckpoint(gz: Buffer): {
  header: CheckpointHeader;
  rows: { table: string; row: Row }[];
} {
  const lines = gunzip(gz).split('\n');
  const header = checkpointHeader.safeParse(parseLine(lines[0]!));
  if (!header.success) throw new IntegrityError('A checkpoint does not start with its header');
  const rows = lines.slice(1).map((line) => {
    const parsed = rowLine.safeParse(parseLine(line));
    if (!parsed.success) throw new IntegrityError('A checkpoint holds a malformed row');
    return { table: parsed.data.t, row: parsed.data.r };
  });
  return { header: header.data, rows };
}
