import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { OutboxRecord } from '../repositories/journal.repository.js';
import { IntegrityError } from '../storage/errors.js';
import { METADATA_FORMAT } from './superblock.js';

/** A row, as the journal and checkpoints carry it: its columns by name. */
export type Row = Record<string, unknown>;

/** One committed change, as a journal segment holds it. */
export interface JournalRecord {
  seq: number;
  table: string;
  op: 'upsert' | 'delete';
  key: Row;
  /** The row after the change; null for a delete. */
  row: Row | null;
  at: number;
}

const segmentHeader = z.object({
  kind: z.literal('idrive-journal'),
  format: z.literal(METADATA_FORMAT),
  driveId: z.uuid(),
  first: z.number().int().min(1),
  last: z.number().int().min(1),
  count: z.number().int().min(1),
});
export type SegmentHeader = z.infer<typeof segmentHeader>;

const recordLine = z.object({
  s: z.number().int().min(1),
  t: z.string().min(1),
  o: z.enum(['u', 'd']),
  k: z.record(z.string(), z.unknown()),
  r: z.record(z.string(), z.unknown()).nullable(),
  a: z.number().int(),
});

/**
 * A journal segment's plaintext: gzip of JSON lines, a header line then one line per record in
 * sequence order. The outbox holds each record's key and row as JSON already, so they go in as
 * they are.
 */
export function encodeSegment(driveId: string, records: readonly OutboxRecord[]): Buffer {
  const first = records[0]!.seq;
  const last = records[records.length - 1]!.seq;
  const header: SegmentHeader = {
    kind: 'idrive-journal',
    format: METADATA_FORMAT,
    driveId,
    first,
    last,
    count: records.length,
  };
  const lines = [JSON.stringify(header)];
  for (const r of records) {
    lines.push(
      `{"s":${r.seq},"t":${JSON.stringify(r.tbl)},"o":"${r.op === 'delete' ? 'd' : 'u'}","k":${r.pk},"r":${r.row ?? 'null'},"a":${r.at}}`,
    );
  }
  return gzipSync(lines.join('\n'));
}

/** Reads a segment's plaintext; throws IntegrityError when it is not a well-formed segment. */
export function decodeSegment(plain: Buffer): { header: SegmentHeader; records: JournalRecord[] } {
  const lines = gunzip(plain).split('\n');
  const header = segmentHeader.safeParse(parseLine(lines[0]!));
  if (!header.success) throw new IntegrityError('A journal segment does not start with its header');
  const records = lines.slice(1).map((line): JournalRecord => {
    const parsed = recordLine.safeParse(parseLine(line));
    if (!parsed.success) throw new IntegrityError('A journal segment holds a malformed record');
    const { s, t, o, k, r, a } = parsed.data;
    return { seq: s, table: t, op: o === 'd' ? 'delete' : 'upsert', key: k, row: r, at: a };
  });
  const { first, last, count } = header.data;
  const inOrder = records.every((r, i) => i === 0 || r.seq > records[i - 1]!.seq);
  if (
    records.length !== count ||
    records[0]?.seq !== first ||
    records[records.length - 1]?.seq !== last ||
    !inOrder
  ) {
    throw new IntegrityError(`A journal segment does not hold the records ${first}-${last} it names`);
  }
  return { header: header.data, records };
}

export function gunzip(bytes: Buffer): string {
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch {
    throw new IntegrityError('Metadata that should be gzip is not');
  }
}

export function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new IntegrityError('Metadata holds a line that is not JSON');
  }
}
