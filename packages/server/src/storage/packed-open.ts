import { createHash } from 'node:crypto';
import { openChunk, type TrailerCheck } from './chunk-format.js';
import { IntegrityError, toThreadError, type ThreadError } from './errors.js';
import { segmentCount, type SegmentCipher } from './segment-cipher.js';

/** A small file's whole sealed chunk, somewhere in a buffer read from a pack (or read alone). */
export interface PackedSlice {
  /** Where its sealed bytes start in the buffer, and how many they are (its trailer included). */
  at: number;
  sealedBytes: number;
  /** Its plaintext size (the file's size: the chunk is the whole file). */
  plainBytes: number;
  /** What its trailer must say, for a chunk stored alone in format 2 (packed ones have none). */
  trailer?: TrailerCheck;
}

/** What opening one slice gave: the SHA-256 (hex) of its plaintext, or why it failed. */
export type PackedOutcome = { digest: string } | { error: ThreadError };

/**
 * Opens each slice in place, as a whole one-chunk file: its plaintext overwrites the start of its
 * sealed bytes, and nothing of a slice that fails is trusted. Slices fail alone, so a damaged file
 * does not take the files beside it in the pack down with it; the caller decides what that means.
 * Runs on a cipher thread (many small files in one job) or inline.
 */
export function openPackedSlices(
  buffer: Buffer,
  slices: readonly (PackedSlice & { cipher: SegmentCipher })[],
): PackedOutcome[] {
  return slices.map(({ cipher, at, sealedBytes, plainBytes, trailer }) => {
    try {
      if (at < 0 || at + sealedBytes > buffer.length) {
        throw new IntegrityError('A packed chunk lies outside the bytes read: the file is damaged', {
          chunk: 0,
        });
      }
      const sealed = buffer.subarray(at, at + sealedBytes);
      const segments = segmentCount(plainBytes);
      const plan = { firstSegment: 0, segments, holdsLast: true, plainBytes, chunkIndex: 0, trailer };
      const plain = openChunk(cipher, sealed, plan, true);
      return { digest: createHash('sha256').update(plain).digest('hex') };
    } catch (err) {
      return { error: toThreadError(err) };
    }
  });
}
