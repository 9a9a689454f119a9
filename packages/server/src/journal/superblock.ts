import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SecretBox } from '../lib/secret-box.js';
import { IntegrityError } from '../storage/errors.js';
import { MasterKey } from '../storage/master-key.js';
import { uuidBytes } from '../storage/uuid-bytes.js';

/** The version of the metadata formats (docs/storage-format.md): journal, checkpoints, superblock. */
export const METADATA_FORMAT = 3;

const SUPERBLOCK_KEY_LABEL = 'idrive/superblock/v1';
const METADATA_KEY_LABEL = 'idrive/metadata-key/v1';
const MAGIC = Buffer.from('IDRVSUPB', 'latin1');
/** Magic ‖ format (u16) ‖ drive id: in the clear, and the sealed part's associated data. */
const CLEAR_SIZE = MAGIC.length + 2 + 16;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;

/** Where one chunk of a checkpoint is on Discord. */
const attachmentRef = z.object({
  channelId: z.string().regex(/^\d{1,20}$/),
  messageId: z.string().regex(/^\d{1,20}$/),
  attachmentId: z.string().regex(/^\d{1,20}$/),
  filename: z.string().regex(/^[\w.-]+$/),
});
export type AttachmentRef = z.infer<typeof attachmentRef>;

const superblock = z.object({
  format: z.literal(METADATA_FORMAT),
  driveId: z.uuid(),
  writtenAt: z.number().int(),
  /** The drive's metadata key, sealed under a key derived from the master key (sealMetadataKey). */
  metadataKey: z.string().min(1),
  controlChannelId: z.string().regex(/^\d{1,20}$/),
  /** The latest checkpoint: restore loads it and replays the journal records after `through`. */
  checkpoint: z.object({
    id: z.uuid(),
    through: z.number().int().min(0),
    at: z.number().int(),
    size: z.number().int().min(0),
    chunks: z.array(attachmentRef).min(1),
  }),
  /** The channels the drive's chunks were stored in when this was written. */
  dataChannels: z.array(z.string().regex(/^\d{1,20}$/)),
});
export type Superblock = z.infer<typeof superblock>;

/**
 * A superblock, sealed: magic `IDRVSUPB` ‖ format ‖ drive id ‖ nonce ‖ JSON sealed with AES-256-GCM
 * under a key derived from the master key (associated data: the clear part), so one is read with
 * the master key alone and nobody without it can forge one that points elsewhere.
 */
export function sealSuperblock(master: MasterKey, block: Superblock): Buffer {
  const clear = clearPart(block.driveId);
  const nonce = randomBytes(NONCE_SIZE);
  const gcm = createCipheriv('aes-256-gcm', master.deriveKey(SUPERBLOCK_KEY_LABEL), nonce);
  gcm.setAAD(clear);
  const body = Buffer.concat([gcm.update(JSON.stringify(superblock.parse(block))), gcm.final()]);
  return Buffer.concat([clear, nonce, body, gcm.getAuthTag()]);
}

/** Opens a sealed superblock; throws IntegrityError when it is not one this master key sealed. */
export function openSuperblock(master: MasterKey, bytes: Buffer): Superblock {
  if (bytes.length < CLEAR_SIZE + NONCE_SIZE + TAG_SIZE || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new IntegrityError('This is not an I Drive superblock');
  const format = bytes.readUInt16BE(MAGIC.length);
  if (format !== METADATA_FORMAT) throw new IntegrityError(`A superblock of format ${format}, unknown here`);
  const gcm = createDecipheriv(
    'aes-256-gcm',
    master.deriveKey(SUPERBLOCK_KEY_LABEL),
    bytes.subarray(CLEAR_SIZE, CLEAR_SIZE + NONCE_SIZE),
  );
  gcm.setAAD(bytes.subarray(0, CLEAR_SIZE));
  gcm.setAuthTag(bytes.subarray(bytes.length - TAG_SIZE));
  let text: string;
  try {
    text = Buffer.concat([
      gcm.update(bytes.subarray(CLEAR_SIZE + NONCE_SIZE, bytes.length - TAG_SIZE)),
      gcm.final(),
    ]).toString('utf8');
  } catch {
    throw new IntegrityError('The superblock does not open with this master key');
  }
  const parsed = superblock.safeParse(JSON.parse(text));
  if (!parsed.success) throw new IntegrityError('The superblock does not hold what a superblock holds');
  if (!clearPart(parsed.data.driveId).equals(bytes.subarray(0, CLEAR_SIZE)))
    throw new IntegrityError('The superblock names another drive inside than outside');
  return parsed.data;
}

function clearPart(driveId: string): Buffer {
  const clear = Buffer.alloc(CLEAR_SIZE);
  MAGIC.copy(clear, 0);
  clear.writeUInt16BE(METADATA_FORMAT, MAGIC.length);
  uuidBytes(driveId).copy(clear, MAGIC.length + 2);
  return clear;
}

/** A new random metadata key: it wraps the keys of journal segments and checkpoints. */
export function newMetadataKey(): Buffer {
  return randomBytes(32);
}

/** The metadata key sealed for the database and the superblock, bound to the drive. */
export function sealMetadataKey(master: MasterKey, driveId: string, key: Buffer): string {
  return new SecretBox(master.deriveKey(METADATA_KEY_LABEL)).seal(key.toString('base64'), driveId);
}

/**
 * The metadata key as the wrapper of blob keys (it wraps them as the master key wraps data keys);
 * throws when it does not open under this master key.
 */
export function openMetadataKey(master: MasterKey, driveId: string, sealed: string): MasterKey {
  const text = new SecretBox(master.deriveKey(METADATA_KEY_LABEL)).open(sealed, driveId);
  return new MasterKey(Buffer.from(text, 'base64'));
}
