import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_CHUNK_SIZE, SEGMENT_SIZE } from '@idrive/shared/limits';
import {
  CHUNK_TRAILER_SIZE,
  openChunk,
  openChunkHeader,
  readChunkTrailer,
  sealChunk,
  type ChunkHeader,
} from './chunk-format.js';
import { IntegrityError } from './errors.js';
import { chunkCount, SegmentCipher, sealedSize, segmentCount } from './segment-cipher.js';

/** What wraps a blob's data key: the master key (an export) or the drive's metadata key (Discord). */
export interface KeyWrapper {
  wrap(dataKey: Buffer, id: string, driveId: string): Buffer;
  unwrap(wrapped: Buffer, id: string, driveId: string): Buffer;
}

/** Plaintext bytes per chunk of a blob: a sealed chunk stays under Discord's 10 MiB attachments. */
export const BLOB_CHUNK_SIZE = DEFAULT_CHUNK_SIZE;

/**
 * Seals `plain` exactly as a format-2 file version is stored (docs/storage-format.md): a random data
 * key wrapped by `wrapper` for (`driveId`, `blobId`), 64 KiB segments, chunks of `chunkSize` each
 * ending with its trailer, the last one carrying the whole blob's size and SHA-256. A journal
 * segment, a checkpoint and an export are such blobs.
 */
export function sealBlob(
  wrapper: KeyWrapper,
  driveId: string,
  blobId: string,
  plain: Buffer,
  chunkSize = BLOB_CHUNK_SIZE,
): Buffer[] {
  const dataKey = randomBytes(32);
  const wrappedKey = wrapper.wrap(dataKey, blobId, driveId);
  const cipher = new SegmentCipher(dataKey, blobId, { driveId, wrappedKey });
  const sha256 = createHash('sha256').update(plain).digest('hex');
  const count = chunkCount(plain.length, chunkSize);
  const chunks: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const part = plain.subarray(index * chunkSize, (index + 1) * chunkSize);
    chunks.push(
      sealChunk(cipher, part, { index, chunkSize, final: index === count - 1 }, false, () => sha256),
    );
  }
  return chunks;
}

/** The blob a final chunk describes: its id, drive, size, chunk size, SHA-256, and the cipher to open it. */
interface BlobHead {
  driveId: string;
  blobId: string;
  chunkSize: number;
  size: number;
  chunks: number;
  sha256: string;
  cipher: SegmentCipher;
}

function headOf(wrapper: KeyWrapper, finalChunk: Buffer): BlobHead {
  if (finalChunk.length < CHUNK_TRAILER_SIZE) throw new IntegrityError('A sealed blob is cut short');
  const trailer = finalChunk.subarray(finalChunk.length - CHUNK_TRAILER_SIZE);
  const clear = readChunkTrailer(trailer);
  const dataKey = wrapper.unwrap(clear.wrappedKey, clear.versionId, clear.driveId);
  const header: ChunkHeader = openChunkHeader(dataKey, trailer);
  if (!header.final) throw new IntegrityError('A sealed blob does not end with its final chunk');
  return {
    driveId: clear.driveId,
    blobId: clear.versionId,
    chunkSize: header.chunkSize,
    size: header.final.fileSize,
    chunks: header.final.chunks,
    sha256: header.final.sha256,
    cipher: new SegmentCipher(dataKey, clear.versionId, {
      driveId: clear.driveId,
      wrappedKey: clear.wrappedKey,
    }),
  };
}

/**
 * Opens a blob from its chunks in order, checking every trailer (drive, blob, index, sizes), every
 * segment and the SHA-256; throws IntegrityError otherwise. `expect` names what it must be.
 */
export function openBlob(
  wrapper: KeyWrapper,
  chunks: readonly Buffer[],
  expect: { driveId?: string; blobId?: string } = {},
): { blobId: string; driveId: string; plain: Buffer } {
  if (chunks.length === 0) throw new IntegrityError('A sealed blob has no chunks');
  const head = headOf(wrapper, chunks[chunks.length - 1]!);
  if (expect.driveId !== undefined && head.driveId !== expect.driveId)
    throw new IntegrityError(`A sealed blob belongs to drive ${head.driveId}, not ${expect.driveId}`);
  if (expect.blobId !== undefined && head.blobId !== expect.blobId)
    throw new IntegrityError(`A sealed blob is ${head.blobId}, not ${expect.blobId}`);
  if (head.chunks !== chunks.length)
    throw new IntegrityError(`A sealed blob has ${chunks.length} of its ${head.chunks} chunks`);
  const parts = chunks.map((sealed, index) => {
    const last = index === head.chunks - 1;
    const plainSize = last ? head.size - index * head.chunkSize : head.chunkSize;
    return openChunk(
      head.cipher,
      sealed,
      {
        firstSegment: index * (head.chunkSize / SEGMENT_SIZE),
        segments: segmentCount(plainSize),
        holdsLast: last,
        plainBytes: plainSize,
        chunkIndex: index,
        trailer: {
          index,
          chunkSize: head.chunkSize,
          plainSize,
          final: last ? { chunks: head.chunks, fileSize: head.size, sha256: head.sha256 } : null,
        },
      },
      false,
    );
  });
  const plain = Buffer.concat(parts);
  if (createHash('sha256').update(plain).digest('hex') !== head.sha256)
    throw new IntegrityError('A sealed blob does not match its SHA-256');
  return { blobId: head.blobId, driveId: head.driveId, plain };
}

/** Opens a blob stored as one file, its chunks back to back (an export). */
export function openBlobFile(
  wrapper: KeyWrapper,
  bytes: Buffer,
): { blobId: string; driveId: string; plain: Buffer } {
  const head = headOf(wrapper, bytes);
  const chunks: Buffer[] = [];
  let at = 0;
  for (let index = 0; index < head.chunks; index++) {
    const plainSize = index === head.chunks - 1 ? head.size - index * head.chunkSize : head.chunkSize;
    const length = sealedSize(plainSize) + CHUNK_TRAILER_SIZE;
    chunks.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new IntegrityError(`The file holds ${bytes.length} bytes, its chunks ${at}`);
  return openBlob(wrapper, chunks);
}
