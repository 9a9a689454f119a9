import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHUNK_TRAILER_SIZE } from './chunk-format.js';
import { IntegrityError } from './errors.js';
import { identifyStored } from './identify.js';
import { MasterKey } from './master-key.js';
import { openBlob, openBlobFile, sealBlob } from './sealed-blob.js';

const SMALL_CHUNK = 64 * 1024;

describe('sealed blobs (journal segments, checkpoints, exports)', () => {
  const master = new MasterKey(randomBytes(32));
  const driveId = randomUUID();

  it('seals any length into chunks of the file format that open back whole, as chunks or as one file', () => {
    for (const size of [0, 1, SMALL_CHUNK, 3 * SMALL_CHUNK + 17]) {
      const plain = randomBytes(size);
      const blobId = randomUUID();
      const chunks = sealBlob(master, driveId, blobId, plain, SMALL_CHUNK);
      expect(chunks).toHaveLength(Math.max(1, Math.ceil(size / SMALL_CHUNK)));
      expect(openBlob(master, chunks, { driveId, blobId }).plain.equals(plain)).toBe(true);
      expect(openBlobFile(master, Buffer.concat(chunks)).plain.equals(plain)).toBe(true);
    }
  });

  it('is what identify.ts reads as a chunk of this drive, without any record', async () => {
    const blobId = randomUUID();
    const [chunk] = sealBlob(master, driveId, blobId, randomBytes(1000));
    expect(await identifyStored(master, chunk!, { verify: true })).toMatchObject({
      kind: 'chunk',
      driveId,
      versionId: blobId,
      final: { chunks: 1, fileSize: 1000 },
    });
  });

  it('fails on a flipped byte, a missing or swapped chunk, another drive or another key, never yielding bytes', () => {
    const plain = randomBytes(3 * SMALL_CHUNK);
    const chunks = sealBlob(master, driveId, randomUUID(), plain, SMALL_CHUNK);
    const flipped = chunks.map((c) => Buffer.from(c));
    flipped[1]![10]! ^= 1;
    const other = sealBlob(master, driveId, randomUUID(), plain, SMALL_CHUNK);
    const cases: (() => unknown)[] = [
      () => openBlob(master, flipped),
      () => openBlob(master, chunks.slice(1)),
      () => openBlob(master, [chunks[0]!, other[1]!, chunks[2]!]),
      () => openBlob(master, chunks, { driveId: randomUUID() }),
      () => openBlob(new MasterKey(randomBytes(32)), chunks),
      () => openBlobFile(master, Buffer.concat(chunks).subarray(CHUNK_TRAILER_SIZE)),
    ];
    for (const open of cases) expect(open).toThrow(IntegrityError);
  });
});
