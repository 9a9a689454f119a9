import type { MasterKey } from '../storage/master-key.js';
import { openBlob } from '../storage/sealed-blob.js';
import { decodeCheckpoint, type CheckpointHeader } from '../journal/checkpoint-format.js';
import { classify, type ControlChannel, type ControlMessage } from '../journal/control-channel.js';
import type { DiscordMessage } from '../storage/discord/discord-types.js';
import { decodeSegment, type JournalRecord, type Row } from '../journal/journal-records.js';
import { openMetadataKey, openSuperblock, type Superblock } from '../journal/superblock.js';

/** What the reader needs of the control channel: its messages newest first, and their attachments. */
export type ControlSource = Pick<ControlChannel, 'history' | 'read' | 'readAll'>;

/** A checkpoint opened: its header and rows. */
export interface OpenedCheckpoint {
  header: CheckpointHeader;
  rows: { table: string; row: Row }[];
}

/** What the control channel gives a restore. */
export interface JournalRead {
  /** The superblock used (none when the base came from an export). */
  superblock: Superblock | null;
  checkpoint: OpenedCheckpoint;
  /** The records after the checkpoint, in order and without gaps. */
  records: JournalRecord[];
  segments: number;
  /** The highest sequence number any journal message in the channel named. */
  highestSeen: number;
  /** What was passed over, and why. */
  problems: string[];
}

/**
 * The control channel read newest first, a page at a time and only as far as a restore needs: back
 * to the newest superblock whose checkpoint opens (older ones are the fallback), and on to the
 * segment holding the record after that checkpoint. Every message's text is only a hint: what counts
 * is what opens under the master key (superblocks) and the drive's metadata key (the rest).
 */
export class ControlReader {
  private readonly seen: ControlMessage[] = [];
  private readonly messages: AsyncGenerator<DiscordMessage>;
  private exhausted = false;
  readonly problems: string[] = [];

  constructor(
    private readonly control: ControlSource,
    private readonly master: MasterKey,
  ) {
    this.messages = control.history();
  }

  /**
   * The newest superblock whose checkpoint opens, and the journal after it. `driveId` is the drive
   * being restored; a superblock of another drive in the same channel is passed over.
   */
  async fromSuperblock(driveId: string): Promise<JournalRead> {
    for (let at = 0; ; at++) {
      const index = await this.find((m) => m.kind === 'superblock', at);
      if (index === -1) {
        throw new Error(
          `No superblock of drive ${driveId} in the control channel opens with this master key${this.summary()}`,
        );
      }
      at = index;
      const found = await this.openSuperblockAt(index, driveId);
      if (!found) continue;
      const { superblock, metadataKey } = found;
      const checkpoint = await this.openCheckpoint(superblock, metadataKey);
      if (!checkpoint) continue;
      return {
        superblock,
        checkpoint,
        ...(await this.journalAfter(checkpoint.header.through, index, metadataKey, driveId)),
      };
    }
  }

  /** The journal after a checkpoint read from elsewhere (an export), under the key it names. */
  async fromCheckpoint(checkpoint: OpenedCheckpoint): Promise<JournalRead> {
    const { driveId, journal } = checkpoint.header;
    if (!journal.metadataKey)
      throw new Error('The export names no journal key: it was made before Discord was connected');
    const metadataKey = openMetadataKey(this.master, driveId, journal.metadataKey);
    return {
      superblock: null,
      checkpoint,
      ...(await this.journalAfter(checkpoint.header.through, -1, metadataKey, driveId)),
    };
  }

  private summary(): string {
    return this.problems.length ? `:\n  ${this.problems.join('\n  ')}` : '';
  }

  /** The index in `seen` of the first message from `from` on that matches, reading further as needed; -1 when none. */
  private async find(match: (m: ControlMessage) => boolean, from: number): Promise<number> {
    for (let i = from; ; i++) {
      if (i >= this.seen.length && !(await this.more())) return -1;
      if (match(this.seen[i]!)) return i;
    }
  }

  private async more(): Promise<boolean> {
    if (this.exhausted) return false;
    const next = await this.messages.next();
    if (next.done) {
      this.exhausted = true;
      return false;
    }
    this.seen.push(classify(next.value));
    return true;
  }

  private async openSuperblockAt(
    index: number,
    driveId: string,
  ): Promise<{ superblock: Superblock; metadataKey: MasterKey } | null> {
    const { message } = this.seen[index]!;
    try {
      const [bytes] = await this.control.readAll(message);
      if (!bytes) throw new Error('it has no attachment');
      const superblock = openSuperblock(this.master, bytes);
      if (superblock.driveId !== driveId) {
        this.problems.push(`superblock ${message.id} is of drive ${superblock.driveId}; passed over`);
        return null;
      }
      return { superblock, metadataKey: openMetadataKey(this.master, driveId, superblock.metadataKey) };
    } catch (err) {
      this.problems.push(`superblock ${message.id} could not be read: ${(err as Error).message}`);
      return null;
    }
  }

  private async openCheckpoint(
    superblock: Superblock,
    metadataKey: MasterKey,
  ): Promise<OpenedCheckpoint | null> {
    const { checkpoint } = superblock;
    try {
      const chunks = await Promise.all(checkpoint.chunks.map((ref) => this.control.read(ref)));
      const { plain } = openBlob(metadataKey, chunks, { driveId: superblock.driveId, blobId: checkpoint.id });
      const opened = decodeCheckpoint(plain);
      if (opened.header.through !== checkpoint.through)
        throw new Error(
          `it is of record ${opened.header.through}, the superblock says ${checkpoint.through}`,
        );
      return opened;
    } catch (err) {
      this.problems.push(
        `checkpoint ${checkpoint.id} (through record ${checkpoint.through}) could not be read: ${(err as Error).message}; trying an older superblock`,
      );
      return null;
    }
  }

  /**
   * The records after `through`: segments are read back until, past the superblock (at `from`), one
   * ends at or before `through`; they are chained in order from `through + 1`, duplicates (a segment
   * posted twice) dropped, and the chain ends at the first gap.
   */
  private async journalAfter(
    through: number,
    from: number,
    metadataKey: MasterKey,
    driveId: string,
  ): Promise<Omit<JournalRead, 'superblock' | 'checkpoint'>> {
    await this.find((m) => m.kind === 'journal' && m.last <= through, from + 1);
    const candidates = this.seen.flatMap((m) => (m.kind === 'journal' && m.last > through ? [m] : []));
    const highestSeen = Math.max(through, ...this.seen.map((m) => (m.kind === 'journal' ? m.last : 0)));
    const segments: { first: number; last: number; records: JournalRecord[] }[] = [];
    for (const m of candidates) {
      try {
        const { plain } = openBlob(metadataKey, await this.control.readAll(m.message), { driveId });
        const { header, records } = decodeSegment(plain);
        if (header.first !== m.first || header.last !== m.last)
          throw new Error('its records are not the ones its text names');
        segments.push({ first: header.first, last: header.last, records });
      } catch (err) {
        this.problems.push(
          `journal message ${m.message.id} (records ${m.first}-${m.last}) could not be read: ${(err as Error).message}`,
        );
      }
    }
    segments.sort((a, b) => a.first - b.first || b.last - a.last);
    const records: JournalRecord[] = [];
    let next = through + 1;
    let used = 0;
    for (const segment of segments) {
      if (segment.last < next) continue;
      if (segment.first > next) {
        this.problems.push(`records ${next}-${segment.first - 1} are not in the control channel`);
        break;
      }
      records.push(...segment.records.filter((r) => r.seq >= next));
      next = segment.last + 1;
      used++;
    }
    if (next - 1 < highestSeen) {
      this.problems.push(
        `the journal is replayed through record ${next - 1}; the channel names records up to ${highestSeen}`,
      );
    }
    return { records, segments: used, highestSeen, problems: this.problems };
  }
}
