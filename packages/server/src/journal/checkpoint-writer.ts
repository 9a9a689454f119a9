import { randomUUID } from 'node:crypto';
import type { DbHandle } from '../db/database.js';
import { HoldLostError } from '../lib/renewed-hold.js';
import type { JournalState } from '../repositories/journal.repository.js';
import type { MasterKey } from '../storage/master-key.js';
import { sealBlob } from '../storage/sealed-blob.js';
import { snapshotDrive } from './checkpoint-format.js';
import { attachmentsOf, checkpointText, superblockText } from './control-channel.js';
import type { JournalContext } from './segment-writer.js';
import { METADATA_FORMAT, sealSuperblock, type AttachmentRef } from './superblock.js';

/** Chunks per message: three sealed 8 MiB chunks fit Discord's 25 MiB request. */
const CHUNKS_PER_MESSAGE = 3;

/**
 * Makes a checkpoint: the whole drive read as one snapshot, sealed like a file under the metadata
 * key and posted in the control channel, then a new superblock pointing at it. Once the superblock
 * is posted, the state records it. With `covers` (the first checkpoint, or changes that were never
 * journaled), records up to the checkpoint are taken as written, since they need not be posted.
 */
export async function writeCheckpoint(
  ctx: JournalContext,
  handle: DbHandle,
  master: MasterKey,
  state: JournalState,
  options: { covers: boolean; dataChannels: string[]; now?: () => number },
): Promise<{ through: number; superblockId: string }> {
  const now = options.now ?? Date.now;
  const { header, gz } = await snapshotDrive(
    handle,
    { controlChannelId: ctx.control.channelId, metadataKey: state.metadata_key },
    now(),
  );
  const blobId = randomUUID();
  const chunks = sealBlob(ctx.metadataKey, ctx.driveId, blobId, gz);
  const refs: AttachmentRef[] = [];
  for (let i = 0; i < chunks.length; i += CHUNKS_PER_MESSAGE) {
    ctx.signal.throwIfAborted();
    const group = chunks.slice(i, i + CHUNKS_PER_MESSAGE);
    const message = await ctx.control.post(
      checkpointText(blobId, i, i + group.length - 1, chunks.length),
      group.map((data, k) => ({ filename: `checkpoint-${i + k}.bin`, data })),
      `c${blobId.replaceAll('-', '').slice(0, 20)}${i.toString(36)}`,
    );
    refs.push(...attachmentsOf(message));
  }
  const at = now();
  const sealed = sealSuperblock(master, {
    format: METADATA_FORMAT,
    driveId: ctx.driveId,
    writtenAt: at,
    metadataKey: state.metadata_key!,
    controlChannelId: ctx.control.channelId,
    checkpoint: { id: blobId, through: header.through, at: header.createdAt, size: gz.length, chunks: refs },
    dataChannels: options.dataChannels,
  });
  ctx.signal.throwIfAborted();
  const superblock = await ctx.control.post(
    superblockText(ctx.driveId, header.through),
    [{ filename: 'superblock-0.bin', data: sealed }],
    `s${blobId.replaceAll('-', '').slice(0, 20)}`,
  );
  const skip = options.covers && state.written_through < header.through;
  const recorded = await ctx.repos.transaction(async (r) => {
    const ok = await r.journal.update(ctx.token, {
      checkpoint_through: header.through,
      checkpoint_at: at,
      superblock_message_id: superblock.id,
      checkpoint_due: 0,
      ...(skip ? { written_through: header.through } : {}),
    });
    if (ok && skip) await r.journal.pruneThrough(header.through);
    return ok;
  });
  if (!recorded) throw new HoldLostError('The journal writer lease passed to another instance');
  return { through: header.through, superblockId: superblock.id };
}
