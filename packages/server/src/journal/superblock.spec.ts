import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../storage/errors.js';
import { MasterKey } from '../storage/master-key.js';
import {
  METADATA_FORMAT,
  newMetadataKey,
  openMetadataKey,
  openSuperblock,
  sealMetadataKey,
  sealSuperblock,
  type Superblock,
} from './superblock.js';

describe('the superblock', () => {
  const master = new MasterKey(randomBytes(32));
  const driveId = randomUUID();
  const key = newMetadataKey();
  const block: Superblock = {
    format: METADATA_FORMAT,
    driveId,
    writtenAt: 1_700_000_000_000,
    metadataKey: sealMetadataKey(master, driveId, key),
    controlChannelId: '1234567890123456789',
    checkpoint: {
      id: randomUUID(),
      through: 42,
      at: 1_700_000_000_000,
      size: 100,
      chunks: [{ channelId: '1', messageId: '2', attachmentId: '3', filename: 'checkpoint-0.bin' }],
    },
    dataChannels: ['4', '5'],
  };

  it('opens with the master key alone and gives back the drive’s metadata key', () => {
    const opened = openSuperblock(master, sealSuperblock(master, block));
    expect(opened).toEqual(block);
    const wrapper = openMetadataKey(master, driveId, opened.metadataKey);
    const wrapped = wrapper.wrap(randomBytes(32), randomUUID(), driveId);
    expect(wrapped).toHaveLength(60);
    expect(() => openMetadataKey(master, randomUUID(), opened.metadataKey)).toThrow();
  });

  it('does not open under another master key, changed, or with another drive id outside', () => {
    const sealed = sealSuperblock(master, block);
    expect(() => openSuperblock(new MasterKey(randomBytes(32)), sealed)).toThrow(IntegrityError);
    const changed = Buffer.from(sealed);
    changed[changed.length - 20]! ^= 1;
    expect(() => openSuperblock(master, changed)).toThrow(IntegrityError);
    const relabelled = Buffer.from(sealed);
    relabelled[12]! ^= 1;
    expect(() => openSuperblock(master, relabelled)).toThrow(IntegrityError);
    expect(() => openSuperblock(master, Buffer.from('not a superblock'))).toThrow(IntegrityError);
  });
});
