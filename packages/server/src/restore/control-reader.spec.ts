import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { attachmentsOf, checkpointText, journalText, superblockText } from '../journal/control-channel.js';
import { encodeSegment } from '../journal/journal-records.js';
import {
  METADATA_FORMAT,
  newMetadataKey,
  openMetadataKey,
  sealMetadataKey,
  sealSuperblock,
} from '../journal/superblock.js';
import type { OutboxRecord } from '../repositories/journal.repository.js';
import type { DiscordMessage } from '../storage/discord/discord-types.js';
import { MasterKey } from '../storage/master-key.js';
import { sealBlob } from '../storage/sealed-blob.js';
import type { AttachmentRef } from '../journal/superblock.js';
import { ControlReader, type ControlSource } from './control-reader.js';

/** A control channel in memory, written with the same sealed messages the journal writer posts. */
class Channel implements ControlSource {
  readonly messages: DiscordMessage[] = [];
  readonly bytes = new Map<string, Buffer>();
  private next = 1_000_000_000_000_000_000n;
  readonly master = new MasterKey(randomBytes(32));
  readonly driveId = randomUUID();
  private readonly sealedKey = sealMetadataKey(this.master, this.driveId, newMetadataKey());
  private readonly metadataKey = openMetadataKey(this.master, this.driveId, this.sealedKey);

  post(content: string, files: { filename: string; data: Buffer }[]): DiscordMessage {
    const id = String(this.next++);
    const message: DiscordMessage = {
      id,
      channel_id: '1',
      content,
      attachments: files.map((f) => {
        const attachmentId = String(this.next++);
        this.bytes.set(attachmentId, f.data);
        return { id: attachmentId, filename: f.filename, size: f.data.length, url: '' };
      }),
    };
    this.messages.push(message);
    return message;
  }

  segment(first: number, last: number): DiscordMessage {
    const records: OutboxRecord[] = [];
    for (let seq = first; seq <= last; seq++) {
      records.push({
        seq,
        tbl: 'tags',
        op: 'upsert',
        pk: JSON.stringify({ id: `tag-${seq}` }),
        row: JSON.stringify({ id: `tag-${seq}`, name: `t${seq}` }),
        at: seq,
      });
    }
    const chunks = sealBlob(
      this.metadataKey,
      this.driveId,
      randomUUID(),
      encodeSegment(this.driveId, records),
    );
    return this.post(
      journalText(first, last),
      chunks.map((data, i) => ({ filename: `journal-${first}-${last}-${i}.bin`, data })),
    );
  }

  /** A checkpoint of `through` (with one row) and the superblock pointing at it. */
  checkpoint(through: number): { chunks: AttachmentRef[] } {
    const header = {
      kind: 'idrive-checkpoint',
      format: METADATA_FORMAT,
      driveId: this.driveId,
      through,
      createdAt: 1,
      journal: { controlChannelId: '1', metadataKey: this.sealedKey },
    };
    const row = { t: 'tags', r: { id: 'in-the-checkpoint', name: `through ${through}` } };
    const plain = gzipSync([JSON.stringify(header), JSON.stringify(row)].join('\n'));
    const blobId = randomUUID();
    const chunks = sealBlob(this.metadataKey, this.driveId, blobId, plain);
    const message = this.post(
      checkpointText(blobId, 0, chunks.length - 1, chunks.length),
      chunks.map((data, i) => ({ filename: `checkpoint-${i}.bin`, data })),
    );
    const refs = attachmentsOf(message);
    const superblock = sealSuperblock(this.master, {
      format: METADATA_FORMAT,
      driveId: this.driveId,
      writtenAt: 1,
      metadataKey: this.sealedKey,
      controlChannelId: '1',
      checkpoint: { id: blobId, through, at: 1, size: plain.length, chunks: refs },
      dataChannels: [],
    });
    this.post(superblockText(this.driveId, through), [{ filename: 'superblock-0.bin', data: superblock }]);
    return { chunks: refs };
  }

  async *history(): AsyncGenerator<DiscordMessage> {
    yield* [...this.messages].reverse();
  }

  async read(ref: AttachmentRef): Promise<Buffer> {
    const bytes = this.bytes.get(ref.attachmentId);
    if (!bytes) throw new Error('Discord no longer has this attachment');
    return bytes;
  }

  readAll(message: DiscordMessage): Promise<Buffer[]> {
    return Promise.all(attachmentsOf(message).map((ref) => this.read(ref)));
  }
}

const seqs = (records: { seq: number }[]) => records.map((r) => r.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('reading a drive back from its control channel', () => {
  it('takes the newest superblock’s checkpoint and the records after it, posted before it and after', async () => {
    const channel = new Channel();
    channel.checkpoint(0);
    channel.segment(1, 10);
    channel.segment(11, 20);
    // The writer was ahead of the snapshot: records 16–20 were posted before this superblock.
    channel.checkpoint(15);
    channel.segment(21, 30);
    const read = await new ControlReader(channel, channel.master).fromSuperblock(channel.driveId);
    expect(read.checkpoint.header.through).toBe(15);
    expect(read.checkpoint.rows).toEqual([
      { table: 'tags', row: { id: 'in-the-checkpoint', name: 'through 15' } },
    ]);
    expect(seqs(read.records)).toEqual(range(16, 30));
    expect(read.segments).toBe(2);
    expect(read.highestSeen).toBe(30);
    expect(read.problems).toEqual([]);
  });

  it('falls back to the superblock before when the newest one’s checkpoint cannot be read', async () => {
    const channel = new Channel();
    channel.checkpoint(0);
    channel.segment(1, 10);
    const newest = channel.checkpoint(10);
    channel.segment(11, 20);
    channel.bytes.delete(newest.chunks[0]!.attachmentId);
    const read = await new ControlReader(channel, channel.master).fromSuperblock(channel.driveId);
    expect(read.checkpoint.header.through).toBe(0);
    expect(seqs(read.records)).toEqual(range(1, 20));
    expect(read.problems).toEqual([
      expect.stringMatching(/checkpoint .* \(through record 10\) could not be read/),
    ]);
  });

  it('stops at a gap and says which records are missing', async () => {
    const channel = new Channel();
    channel.checkpoint(0);
    channel.segment(1, 10);
    channel.segment(21, 30);
    const read = await new ControlReader(channel, channel.master).fromSuperblock(channel.driveId);
    expect(seqs(read.records)).toEqual(range(1, 10));
    expect(read.highestSeen).toBe(30);
    expect(read.problems).toEqual([
      'records 11-20 are not in the control channel',
      'the journal is replayed through record 10; the channel names records up to 30',
    ]);
  });

  it('takes a segment posted twice once, and passes over one that does not open', async () => {
    const channel = new Channel();
    channel.checkpoint(0);
    channel.segment(1, 10);
    channel.segment(1, 10);
    const damaged = channel.segment(11, 20);
    channel.bytes.get(damaged.attachments[0]!.id)![100]! ^= 1;
    const read = await new ControlReader(channel, channel.master).fromSuperblock(channel.driveId);
    expect(seqs(read.records)).toEqual(range(1, 10));
    expect(read.problems).toEqual([
      expect.stringMatching(/journal message \d+ \(records 11-20\) could not be read/),
      'the journal is replayed through record 10; the channel names records up to 20',
    ]);
  });

  it('refuses a channel whose superblocks another master key sealed, saying why', async () => {
    const channel = new Channel();
    channel.checkpoint(0);
    const other = new MasterKey(randomBytes(32));
    await expect(new ControlReader(channel, other).fromSuperblock(channel.driveId)).rejects.toThrow(
      /No superblock of drive .* opens with this master key:\n {2}superblock \d+ could not be read: The superblock does not open/,
    );
  });

  it('reads the journal after a checkpoint from elsewhere (an export)', async () => {
    const channel = new Channel();
    channel.checkpoint(0);
    channel.segment(1, 10);
    channel.segment(11, 20);
    const first = await new ControlReader(channel, channel.master).fromSuperblock(channel.driveId);
    const exported = { ...first.checkpoint, header: { ...first.checkpoint.header, through: 10 } };
    const read = await new ControlReader(channel, channel.master).fromCheckpoint(exported);
    expect(seqs(read.records)).toEqual(range(11, 20));
  });
});
