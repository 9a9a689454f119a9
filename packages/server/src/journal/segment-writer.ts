import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { HoldLostError } from '../lib/renewed-hold.js';
import type { OutboxRecord } from '../repositories/journal.repository.js';
import type { Repositories } from '../repositories/repositories.js';
import { IntegrityError } from '../storage/errors.js';
import type { MasterKey } from '../storage/master-key.js';
import { openBlob, sealBlob } from '../storage/sealed-blob.js';
import { classify, journalText, type ControlChannel } from './control-channel.js';
import { decodeSegment, encodeSegment } from './journal-records.js';

/** A segment stops growing at this many bytes of records (before gzip): one or two chunks, one message. */
const SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT_RECORDS = 50_000;
/** Records read from the outbox per query while a segment fills. */
const READ_BATCH = 2_000;

/** What writing the journal needs: where, under which key, as which lease holder. */
export interface JournalContext {
  repos: Repositories;
  control: ControlChannel;
  /** The drive's metadata key, which wraps every segment's and checkpoint's data key. */
  metadataKey: MasterKey;
  driveId: string;
  token: string;
  signal: AbortSignal;
  log: FastifyBaseLogger;
}

/** Discord's nonce for a segment: a resend of the same records within minutes returns the first copy. */
function segmentNonce(first: number, last: number): string {
  return `j${first.toString(36)}.${last.toString(36)}`;
}

/**
 * Posts the committed records after `writtenThrough`, in order, a segment per message, and after
 * each one records how far the journal got (and drops those records from the outbox) in one
 * transaction. A gap in the outbox (changes made while capture was off) asks for a checkpoint
 * instead. Returns the sequence number written through.
 */
export async function writeSegments(ctx: JournalContext, writtenThrough: number): Promise<number> {
  let through = writtenThrough;
  for (;;) {
    ctx.signal.throwIfAborted();
    const records = await nextSegment(ctx.repos, through);
    if (records.length === 0) return through;
    const first = records[0]!.seq;
    const last = records[records.length - 1]!.seq;
    if (first !== through + 1) {
      ctx.log.error(
        { after: through, next: first },
        'the journal outbox has a gap; a checkpoint will cover it',
      );
      await ctx.repos.journal.update(ctx.token, { checkpoint_due: 1 });
      return through;
    }
    const chunks = sealBlob(ctx.metadataKey, ctx.driveId, randomUUID(), encodeSegment(ctx.driveId, records));
    await ctx.control.post(
      journalText(first, last),
      chunks.map((data, i) => ({ filename: `journal-${first}-${last}-${i}.bin`, data })),
      segmentNonce(first, last),
    );
    const recorded = await ctx.repos.transaction((r) => r.journal.markWritten(ctx.token, through, last));
    if (!recorded) throw new HoldLostError('The journal writer lease passed to another instance');
    through = last;
  }
}

async function nextSegment(repos: Repositories, after: number): Promise<OutboxRecord[]> {
  const records: OutboxRecord[] = [];
  let bytes = 0;
  while (bytes < SEGMENT_BYTES && records.length < SEGMENT_RECORDS) {
    const batch = await repos.journal.outboxAfter(records.at(-1)?.seq ?? after, READ_BATCH);
    for (const r of batch) {
      records.push(r);
      bytes += r.pk.length + (r.row?.length ?? 0) + 64;
      if (bytes >= SEGMENT_BYTES || records.length >= SEGMENT_RECORDS) break;
    }
    if (batch.length < READ_BATCH) break;
  }
  return records;
}

/**
 * After a crash between posting a segment and recording it, the newest messages hold segments past
 * what the database says was written: those that follow on from it, and open under this drive's
 * key with the records they name, are counted as written rather than posted again.
 */
export async function reconcile(ctx: JournalContext, writtenThrough: number): Promise<number> {
  const segments = (await ctx.control.page())
    .map(classify)
    .flatMap((m) => (m.kind === 'journal' && m.last > writtenThrough ? [m] : []))
    .sort((a, b) => a.first - b.first);
  let through = writtenThrough;
  for (const segment of segments) {
    if (segment.first !== through + 1) continue;
    try {
      const { plain } = openBlob(ctx.metadataKey, await ctx.control.readAll(segment.message), {
        driveId: ctx.driveId,
      });
      const { header } = decodeSegment(plain);
      if (header.first !== segment.first || header.last !== segment.last) continue;
    } catch (err) {
      if (err instanceof IntegrityError) continue;
      throw err;
    }
    through = segment.last;
  }
  if (through > writtenThrough) {
    ctx.log.info({ from: writtenThrough, through }, 'the journal on Discord was further than recorded');
    const recorded = await ctx.repos.transaction((r) =>
      r.journal.markWritten(ctx.token, writtenThrough, through),
    );
    if (!recorded) throw new HoldLostError('The journal writer lease passed to another instance');
  }
  return through;
}
