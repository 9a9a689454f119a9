import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
// Only the limits: this module also runs on the cipher threads, which need none of the API schemas.
import { SEGMENT_SIZE } from '@idrive/shared/limits';
import { IntegrityError } from './errors.js';
import { WRAPPED_KEY_SIZE } from './master-key.js';
import { sealedSize, type SegmentCipher } from './segment-cipher.js';
import { uuidBytes, uuidFromBytes } from './uuid-bytes.js';

/**
 * Format 2 of stored objects (docs/storage-format.md, which gives every byte): a chunk is its sealed
 * segments, exactly as in format 1, then a trailer saying what it is, so that a drive can be
 * rebuilt from its stored objects and the master key. Segment offsets are unchanged and ranged
 * reads of segments never reach the trailer.
 */
export const STORAGE_FORMAT = 2;
/** The fixed-size end of every trailer, read first: its length, the format version, the kind, a magic. */
export const FOOTER_SIZE = 16;
const MAGIC = Buffer.from('IDRVTAIL', 'latin1');
export const TRAILER_KIND = { chunk: 0x43, pack: 0x50 } as const;

const TAG_SIZE = 16;
/** Drive id ‖ version id ‖ chunk index (u32): in the clear, and the header's associated data. */
const IDS_SIZE = 16 + 16 + 4;
const HEADER_NONCE_SIZE = 12;
const HEADER_BODY_SIZE = 16 + 16 + 4 + 4 + 4 + 1 + 4 + 8 + 32;
/** Byte 0 of a header nonce. A segment nonce's byte 0 is always 0, so the two never meet under a key. */
const HEADER_NONCE_DOMAIN = 0x01;
const FINAL_FLAG = 0x01;
const WRAPPED_AT = IDS_SIZE;
const NONCE_AT = WRAPPED_AT + WRAPPED_KEY_SIZE;
const HEADER_AT = NONCE_AT + HEADER_NONCE_SIZE;
const FOOTER_AT = HEADER_AT + HEADER_BODY_SIZE + TAG_SIZE;
/** Bytes a format-2 chunk's trailer adds after its sealed segments (the same for every chunk). */
export const CHUNK_TRAILER_SIZE = FOOTER_AT + FOOTER_SIZE;

/** What a chunk's encrypted header says. */
export interface ChunkHeader {
  driveId: string;
  versionId: string;
  index: number;
  /** The version's plaintext bytes per chunk (every chunk but the last holds exactly that many). */
  chunkSize: number;
  /** Plaintext bytes in this chunk. */
  plainSize: number;
  /** In the file's final chunk only: the whole file. */
  final: { chunks: number; fileSize: number; sha256: string } | null;
}

/** Where a chunk sits in its file, for sealing it. */
export interface ChunkPlace {
  index: number;
  chunkSize: number;
  final: boolean;
}

/** What a chunk read whole must say of itself: what its record expects. */
export interface TrailerCheck {
  index: number;
  chunkSize: number;
  plainSize: number;
  /** For the file's final chunk; the SHA-256 is null while the version's record has none yet. */
  final: { chunks: number; fileSize: number; sha256: string | null } | null;
}

/** Which sealed segments of a chunk to open (see SegmentCipher.openSegments), and its trailer to check. */
export interface OpenPlan {
  firstSegment: number;
  segments: number;
  holdsLast: boolean;
  plainBytes: number;
  chunkIndex: number;
  /** Set when the bytes end with the chunk's trailer (format 2, read whole). */
  trailer?: TrailerCheck;
}

/** Trailer bytes a chunk of this cipher's format carries. */
export function trailerSize(cipher: SegmentCipher): number {
  return cipher.binding ? CHUNK_TRAILER_SIZE : 0;
}

/** The most bytes a stored chunk of `chunkSize` plaintext bytes takes, in any format: what its buffer needs. */
export function chunkBufferSize(chunkSize: number): number {
  return sealedSize(chunkSize) + CHUNK_TRAILER_SIZE;
}

/**
 * Seals a chunk, in place in its shared buffer or into a new one, and for format 2 writes its
 * trailer after the segments. `sha256` gives the file's digest, asked only for the final chunk.
 */
export function sealChunk(
  cipher: SegmentCipher,
  plain: Buffer,
  place: ChunkPlace,
  inPlace: boolean,
  sha256: () => string,
): Buffer {
  const room = trailerSize(cipher);
  const { index, chunkSize, final } = place;
  const plainSize = plain.length;
  const sealed = cipher.sealSegments(index * (chunkSize / SEGMENT_SIZE), plain, final, inPlace, room);
  if (room > 0) {
    const whole = final
      ? { chunks: index + 1, fileSize: index * chunkSize + plainSize, sha256: sha256() }
      : null;
    const header = {
      driveId: cipher.binding!.driveId,
      versionId: cipher.versionId,
      index,
      chunkSize,
      plainSize,
    };
    writeChunkTrailer(sealed.subarray(sealed.length - room), cipher, { ...header, final: whole });
  }
  return sealed;
}

/**
 * A format-2 final chunk carries the file's SHA-256, so the session sealing it must have hashed
 * every byte before it; anything else is a mistake in the caller, not damage.
 */
export function checkHashedBefore(
  cipher: SegmentCipher,
  place: ChunkPlace,
  hashing: boolean,
  hashed: number,
) {
  if (!cipher.binding || !place.final) return;
  if (!hashing || hashed !== place.index * place.chunkSize) {
    throw new Error(
      `The final chunk must be sealed in a session that hashed the ${place.index} chunks before it`,
    );
  }
}

/** Opens a chunk's segments (in place when asked), checking its trailer first when the plan has one. */
export function openChunk(cipher: SegmentCipher, sealed: Buffer, plan: OpenPlan, inPlace: boolean): Buffer {
  let segments = sealed;
  if (plan.trailer) {
    if (!cipher.binding || sealed.length < CHUNK_TRAILER_SIZE) {
      throw new IntegrityError(`Chunk ${plan.chunkIndex} has no trailer: the file is damaged`, {
        chunk: plan.chunkIndex,
      });
    }
    segments = sealed.subarray(0, sealed.length - CHUNK_TRAILER_SIZE);
    checkChunkTrailer(cipher, sealed.subarray(segments.length), plan.trailer);
  }
  const { firstSegment, holdsLast, plainBytes, chunkIndex } = plan;
  return cipher.openSegments(
    firstSegment,
    segments,
    plan.segments,
    holdsLast,
    plainBytes,
    chunkIndex,
    inPlace,
  );
}

/** A chunk trailer's clear part: what to unwrap its key with and to open its header. */
export interface ClearTrailer {
  driveId: string;
  versionId: string;
  index: number;
  wrappedKey: Buffer;
}

/** Reads the clear part of a chunk trailer (exactly CHUNK_TRAILER_SIZE bytes); throws IntegrityError when it is not one. */
export function readChunkTrailer(trailer: Buffer): ClearTrailer {
  const footer = readFooter(trailer);
  if (
    trailer.length !== CHUNK_TRAILER_SIZE ||
    footer?.kind !== TRAILER_KIND.chunk ||
    footer.version !== STORAGE_FORMAT ||
    footer.length !== CHUNK_TRAILER_SIZE
  ) {
    throw new IntegrityError('The stored object does not end with a chunk trailer');
  }
  return {
    driveId: uuidFromBytes(trailer.subarray(0, 16)),
    versionId: uuidFromBytes(trailer.subarray(16, 32)),
    index: trailer.readUInt32BE(32),
    wrappedKey: Buffer.from(trailer.subarray(WRAPPED_AT, NONCE_AT)),
  };
}

/** Opens a chunk trailer's header under the version's data key; throws IntegrityError if it does not open. */
export function openChunkHeader(dataKey: Buffer, trailer: Buffer): ChunkHeader {
  const clear = readChunkTrailer(trailer);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, trailer.subarray(NONCE_AT, HEADER_AT), {
    authTagLength: TAG_SIZE,
  });
  decipher.setAAD(trailer.subarray(0, IDS_SIZE));
  decipher.setAuthTag(trailer.subarray(FOOTER_AT - TAG_SIZE, FOOTER_AT));
  const body = decipher.update(trailer.subarray(HEADER_AT, FOOTER_AT - TAG_SIZE));
  try {
    decipher.final();
  } catch {
    throw new IntegrityError(
      `The header of chunk ${clear.index} does not open: it is damaged or not this file's`,
      {
        chunk: clear.index,
      },
    );
  }
  const header = decodeHeader(body);
  if (
    header.driveId !== clear.driveId ||
    header.versionId !== clear.versionId ||
    header.index !== clear.index
  ) {
    throw new IntegrityError(`The header of chunk ${clear.index} names another chunk`, {
      chunk: clear.index,
    });
  }
  return header;
}

/**
 * Checks that a chunk read whole is the one its record expects: this drive's, this version's, at
 * this index, with the version's key, and with the sizes (and for the final chunk the file's size,
 * chunk count and SHA-256) the records give. A chunk put in another one's place fails here.
 */
function checkChunkTrailer(cipher: SegmentCipher, trailer: Buffer, expect: TrailerCheck): void {
  const at = expect.index;
  const fail = (why: string) => new IntegrityError(`Chunk ${at} ${why}: the file is damaged`, { chunk: at });
  const clear = readChunkTrailer(trailer);
  if (clear.driveId !== cipher.binding!.driveId) throw fail('belongs to another drive');
  if (clear.versionId !== cipher.versionId || clear.index !== at) {
    throw fail(`holds chunk ${clear.index} of version ${clear.versionId}`);
  }
  if (!clear.wrappedKey.equals(cipher.binding!.wrappedKey)) throw fail("carries another key than its file's");
  const header = openChunkHeader(cipher.dataKey, trailer);
  if (header.chunkSize !== expect.chunkSize || header.plainSize !== expect.plainSize) {
    throw fail(`says it holds ${header.plainSize} of ${header.chunkSize} bytes`);
  }
  const [got, want] = [header.final, expect.final];
  if ((got === null) !== (want === null)) throw fail(got ? 'says it is the last one' : 'says more follow');
  if (got && want) {
    const sameSha = want.sha256 === null || want.sha256 === got.sha256;
    if (got.chunks !== want.chunks || got.fileSize !== want.fileSize || !sameSha) {
      throw fail(`describes another file (${got.fileSize} bytes in ${got.chunks} chunks)`);
    }
  }
}

function writeChunkTrailer(out: Buffer, cipher: SegmentCipher, header: ChunkHeader): void {
  const { wrappedKey } = cipher.binding!;
  if (wrappedKey.length !== WRAPPED_KEY_SIZE) throw new RangeError('A wrapped key is 60 bytes');
  const body = encodeHeader(header);
  body.copy(out, 0, 0, IDS_SIZE);
  wrappedKey.copy(out, WRAPPED_AT);
  const nonce = randomBytes(HEADER_NONCE_SIZE);
  nonce[0] = HEADER_NONCE_DOMAIN;
  nonce.copy(out, NONCE_AT);
  const gcm = createCipheriv('aes-256-gcm', cipher.dataKey, nonce, { authTagLength: TAG_SIZE });
  gcm.setAAD(out.subarray(0, IDS_SIZE));
  gcm.update(body).copy(out, HEADER_AT);
  gcm.final();
  gcm.getAuthTag().copy(out, FOOTER_AT - TAG_SIZE);
  writeFooter(out, FOOTER_AT, TRAILER_KIND.chunk, CHUNK_TRAILER_SIZE);
}

function encodeHeader(h: ChunkHeader): Buffer {
  const body = Buffer.alloc(HEADER_BODY_SIZE);
  uuidBytes(h.driveId).copy(body, 0);
  uuidBytes(h.versionId).copy(body, 16);
  body.writeUInt32BE(h.index, 32);
  body.writeUInt32BE(h.chunkSize, 36);
  body.writeUInt32BE(h.plainSize, 40);
  if (h.final) {
    body[44] = FINAL_FLAG;
    body.writeUInt32BE(h.final.chunks, 45);
    body.writeBigUInt64BE(BigInt(h.final.fileSize), 49);
    Buffer.from(h.final.sha256, 'hex').copy(body, 57);
  }
  return body;
}

function decodeHeader(body: Buffer): ChunkHeader {
  const flags = body[44]!;
  if (body.length !== HEADER_BODY_SIZE || (flags & ~FINAL_FLAG) !== 0) {
    throw new IntegrityError('A chunk header this server does not know');
  }
  return {
    driveId: uuidFromBytes(body.subarray(0, 16)),
    versionId: uuidFromBytes(body.subarray(16, 32)),
    index: body.readUInt32BE(32),
    chunkSize: body.readUInt32BE(36),
    plainSize: body.readUInt32BE(40),
    final:
      flags & FINAL_FLAG
        ? {
            chunks: body.readUInt32BE(45),
            fileSize: Number(body.readBigUInt64BE(49)),
            sha256: body.subarray(57, 89).toString('hex'),
          }
        : null,
  };
}

export function writeFooter(out: Buffer, at: number, kind: number, trailerLength: number): void {
  out.writeUInt32BE(trailerLength, at);
  out.writeUInt16BE(STORAGE_FORMAT, at + 4);
  out[at + 6] = kind;
  out[at + 7] = 0;
  MAGIC.copy(out, at + 8);
}

/** The footer ending `tail` (an object's last bytes), or null when it has none. */
export function readFooter(tail: Buffer): { length: number; version: number; kind: number } | null {
  const at = tail.length - FOOTER_SIZE;
  if (at < 0 || !tail.subarray(at + 8).equals(MAGIC)) return null;
  return { length: tail.readUInt32BE(at), version: tail.readUInt16BE(at + 4), kind: tail[at + 6]! };
}
