import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
// Only the limits: this module also runs on the cipher threads, which need none of the API schemas.
import { SEGMENT_SIZE, SEGMENT_TAG_SIZE } from '@idrive/shared/limits';
import { IntegrityError } from './errors.js';
import { isUuid, uuidBytes } from './uuid-bytes.js';

const ALGORITHM = 'aes-256-gcm';
const NONCE_SIZE = 12;
const TWO_32 = 2 ** 32;

/** How many segments `size` plaintext bytes make; an empty file (or chunk) is still one empty segment. */
export function segmentCount(size: number): number {
  return Math.max(1, Math.ceil(size / SEGMENT_SIZE));
}

/** How many chunks a file of `size` bytes has; an empty file still has one (holding its empty final segment). */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/**
 * Sealed bytes of a chunk holding `plainSize` plaintext bytes. A chunk's plaintext is whole segments
 * except for the file's last chunk, so every segment but possibly the final one is full.
 */
export function sealedSize(plainSize: number): number {
  return plainSize + segmentCount(plainSize) * SEGMENT_TAG_SIZE;
}

/**
 * Whether `plain` may be sealed where it is: in shared memory (a pool's chunk buffer, which its holder
 * owns whole) with room for the tags after it, and `room` bytes more (a trailer). Never an ordinary
 * Buffer, which may be a slice of Node's shared pool with other buffers right behind it.
 */
export function canSealInPlace(plain: Uint8Array, room = 0): boolean {
  return (
    plain.buffer instanceof SharedArrayBuffer &&
    plain.byteOffset + sealedSize(plain.length) + room <= plain.buffer.byteLength
  );
}

/**
 * What binds a format-2 version to its drive: the drive id, which its segments' AAD and its chunks'
 * trailers carry, and its data key as wrapped for format 2, which every trailer carries.
 */
export interface DriveBinding {
  driveId: string;
  wrappedKey: Buffer;
}

/**
 * Seals and opens the 64 KiB segments of one file version (the rclone-crypt / age STREAM construction).
 *
 * Segment i is AES-256-GCM with nonce = 3 zero bytes ‖ uint64 BE i ‖ last-flag byte, and AAD = the
 * 16 raw bytes of the version id (format 1), or of the drive id and then the version id (format 2,
 * with a `binding`):
 * - the data key is random per file version, so a counter nonce never repeats under one key;
 * - the index in the nonce stops reordering segments, the last flag stops truncating at a segment
 *   boundary (the new final segment was sealed with flag 0 and fails to open with flag 1);
 * - the version id in the AAD stops splicing segments from another version, even under the same key,
 *   and the drive id segments of the same version in another drive (a copy of the database).
 */
export class SegmentCipher {
  private readonly key: KeyObject;
  private readonly aad: Buffer;
  /** Kept so that the cipher can be rebuilt in a worker thread (see CipherPool). */
  readonly dataKey: Buffer;
  readonly versionId: string;
  private readonly nonce = Buffer.alloc(NONCE_SIZE);

  constructor(
    dataKey: Buffer,
    versionId: string,
    /** Format 2's; a cipher without one reads and writes format 1. */
    readonly binding?: DriveBinding,
  ) {
    if (dataKey.length !== 32) throw new RangeError(`A data key is 32 bytes, not ${dataKey.length}`);
    if (!isUuid(versionId)) throw new RangeError(`A version id must be a UUID, not "${versionId}"`);
    // A KeyObject is prepared once; passing a raw Buffer makes every createCipheriv re-import the key (~25% slower).
    this.key = createSecretKey(dataKey);
    this.dataKey = dataKey;
    this.versionId = versionId;
    this.aad = binding
      ? Buffer.concat([uuidBytes(binding.driveId), uuidBytes(versionId)])
      : uuidBytes(versionId);
  }

  /** The storage format this cipher reads and writes. */
  get format(): 1 | 2 {
    return this.binding ? 2 : 1;
  }

  /** Seals segment `index` (ciphertext ‖ 16-byte tag). `last` marks the file's final segment. */
  seal(index: number, plaintext: Buffer, last: boolean): Buffer {
    const out = Buffer.allocUnsafe(plaintext.length + SEGMENT_TAG_SIZE);
    this.sealInto(out, 0, index, plaintext, last);
    return out;
  }

  /** Seals segment `index` into `out` at `outOffset`; returns the bytes written (plaintext length + 16). */
  sealInto(out: Buffer, outOffset: number, index: number, plaintext: Buffer, last: boolean): number {
    if (plaintext.length > SEGMENT_SIZE) {
      throw new RangeError(`A segment holds at most ${SEGMENT_SIZE} bytes, not ${plaintext.length}`);
    }
    const written = plaintext.length + SEGMENT_TAG_SIZE;
    if (outOffset + written > out.length)
      throw new RangeError('The output buffer is too small for the segment');
    const cipher = createCipheriv(ALGORITHM, this.key, this.nonceFor(index, last), {
      authTagLength: SEGMENT_TAG_SIZE,
    });
    cipher.setAAD(this.aad);
    const body = cipher.update(plaintext);
    body.copy(out, outOffset);
    // GCM is a stream mode: final() emits nothing, it only computes the tag.
    cipher.final();
    cipher.getAuthTag().copy(out, outOffset + body.length);
    return written;
  }

  /**
   * Opens sealed segment `index`, or throws IntegrityError; it never returns unauthenticated bytes.
   * `chunkIndex` only makes the error message more useful.
   */
  open(index: number, sealed: Buffer, last: boolean, chunkIndex?: number): Buffer {
    return this.decrypt(index, sealed, last, chunkIndex);
  }

  /** Opens sealed segment `index` into `out` at `outOffset`; returns the plaintext bytes written. Nothing is written if it fails. */
  openInto(
    out: Buffer,
    outOffset: number,
    index: number,
    sealed: Buffer,
    last: boolean,
    chunkIndex?: number,
  ): number {
    const plain = this.decrypt(index, sealed, last, chunkIndex);
    if (outOffset + plain.length > out.length)
      throw new RangeError('The output buffer is too small for the segment');
    plain.copy(out, outOffset);
    return plain.length;
  }

  /**
   * Seals consecutive segments starting at global segment `firstSegment` (a chunk's worth) into one
   * new buffer, or in place (see canSealInPlace); with `final`, the last of them is sealed as the
   * file's final segment. The buffer returned has `room` bytes after the sealed segments, left for
   * the caller (a chunk's trailer).
   */
  sealSegments(firstSegment: number, plain: Buffer, final: boolean, inPlace = false, room = 0): Buffer {
    const segments = segmentCount(plain.length);
    const size = sealedSize(plain.length) + room;
    if (inPlace && !canSealInPlace(plain, room)) throw new RangeError('No room to seal this chunk in place');
    // In place, sealed segment j lands at j·(64 KiB + 16), over its own plaintext and the start of
    // segment j+1's. Sealing from the last segment back to the first only ever overwrites plaintext
    // that is already sealed, and spares a second 8 MiB buffer per chunk in flight.
    const sealed = inPlace ? Buffer.from(plain.buffer, plain.byteOffset, size) : Buffer.allocUnsafe(size);
    for (let j = segments - 1; j >= 0; j--) {
      const segment = plain.subarray(j * SEGMENT_SIZE, (j + 1) * SEGMENT_SIZE);
      const last = final && j === segments - 1;
      this.sealInto(sealed, j * (SEGMENT_SIZE + SEGMENT_TAG_SIZE), firstSegment + j, segment, last);
    }
    return sealed;
  }

  /**
   * Opens `segments` consecutive sealed segments starting at global segment `firstSegment`; with
   * `holdsLast`, the last of them must be the file's final segment. Throws IntegrityError on any damage.
   * With `inPlace`, the plaintext overwrites the start of `sealed` instead of taking a new buffer.
   */
  openSegments(
    firstSegment: number,
    sealed: Buffer,
    segments: number,
    holdsLast: boolean,
    plainBytes: number,
    chunkIndex?: number,
    inPlace = false,
  ): Buffer {
    // In place, segment j's plaintext lands at j·64 KiB, before its own sealed bytes at j·(64 KiB + 16):
    // opening in order never overwrites sealed bytes that are still to be read.
    const plain = inPlace ? sealed.subarray(0, plainBytes) : Buffer.allocUnsafe(plainBytes);
    let inPos = 0;
    let outPos = 0;
    for (let j = 0; j < segments; j++) {
      const sealedLength = Math.min(SEGMENT_SIZE + SEGMENT_TAG_SIZE, sealed.length - inPos);
      const last = holdsLast && j === segments - 1;
      outPos += this.openInto(
        plain,
        outPos,
        firstSegment + j,
        sealed.subarray(inPos, inPos + sealedLength),
        last,
        chunkIndex,
      );
      inPos += sealedLength;
    }
    if (outPos !== plainBytes || inPos !== sealed.length) {
      throw new IntegrityError(
        `Chunk ${chunkIndex ?? '?'} does not have the length its record gives: the file is damaged`,
        {
          chunk: chunkIndex,
        },
      );
    }
    return plain;
  }

  private decrypt(index: number, sealed: Buffer, last: boolean, chunkIndex: number | undefined): Buffer {
    if (sealed.length < SEGMENT_TAG_SIZE || sealed.length > SEGMENT_SIZE + SEGMENT_TAG_SIZE) {
      throw IntegrityError.segment(index, chunkIndex);
    }
    const bodyEnd = sealed.length - SEGMENT_TAG_SIZE;
    const decipher = createDecipheriv(ALGORITHM, this.key, this.nonceFor(index, last), {
      authTagLength: SEGMENT_TAG_SIZE,
    });
    decipher.setAAD(this.aad);
    decipher.setAuthTag(sealed.subarray(bodyEnd));
    // update() hands out bytes before the tag is checked; they only leave this method once final() has verified it.
    const plain = decipher.update(sealed.subarray(0, bodyEnd));
    try {
      decipher.final();
    } catch {
      throw IntegrityError.segment(index, chunkIndex);
    }
    return plain;
  }

  private nonceFor(index: number, last: boolean): Buffer {
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`Invalid segment index ${index}`);
    // Bytes 0-2 stay zero; the uint64 index is written as two uint32 halves to avoid a BigInt per segment.
    // The shared buffer is safe to reuse: createCipheriv copies the nonce before returning.
    this.nonce.writeUInt32BE(Math.floor(index / TWO_32), 3);
    this.nonce.writeUInt32BE(index % TWO_32, 7);
    this.nonce[11] = last ? 1 : 0;
    return this.nonce;
  }
}
