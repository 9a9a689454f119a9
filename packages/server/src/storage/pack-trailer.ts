import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FOOTER_SIZE, readFooter, STORAGE_FORMAT, TRAILER_KIND, writeFooter } from './chunk-format.js';
import { IntegrityError } from './errors.js';
import { WRAPPED_KEY_SIZE } from './master-key.js';
import { uuidBytes, uuidFromBytes } from './uuid-bytes.js';

/** The HKDF label of the key that seals pack trailers (MasterKey.deriveKey). */
export const PACK_TRAILER_KEY_LABEL = 'idrive/pack-trailer/v1';

/** One small file in a pack, as the pack's trailer lists it. */
export interface PackEntry {
  versionId: string;
  /** The storage format of its segments and wrapped key: a pack rewritten by compaction keeps older files. */
  format: 1 | 2;
  /** Where its sealed bytes start in the pack, and how many they are. */
  offset: number;
  sealedSize: number;
  plainSize: number;
  /** Its data key, wrapped as its format wraps it (docs/storage-format.md). */
  wrappedKey: Buffer;
  sha256: string;
}

/** Drive id ‖ pack id ‖ entry count (u32): in the clear, and the sealed list's associated data. */
const IDS_SIZE = 16 + 16 + 4;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
/** Bytes of one entry in the trailer's sealed list. */
export const PACK_ENTRY_SIZE = 16 + 1 + 8 + 8 + 8 + WRAPPED_KEY_SIZE + 32;
/** Bytes a pack trailer takes besides its entries. */
export const PACK_TRAILER_BASE = IDS_SIZE + NONCE_SIZE + TAG_SIZE + FOOTER_SIZE;

/**
 * A pack's trailer: the list of its files, sealed under the key derived for pack trailers (one key
 * for every pack, so with a random nonce), bound to the drive, the pack and the count.
 */
export function sealPackTrailer(key: Buffer, driveId: string, packId: string, entries: PackEntry[]): Buffer {
  const size = PACK_TRAILER_BASE + entries.length * PACK_ENTRY_SIZE;
  const out = Buffer.alloc(size);
  uuidBytes(driveId).copy(out, 0);
  uuidBytes(packId).copy(out, 16);
  out.writeUInt32BE(entries.length, 32);
  const nonce = randomBytes(NONCE_SIZE);
  nonce.copy(out, IDS_SIZE);
  const gcm = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
  gcm.setAAD(out.subarray(0, IDS_SIZE));
  const listAt = IDS_SIZE + NONCE_SIZE;
  gcm.update(Buffer.concat(entries.map(encodeEntry))).copy(out, listAt);
  gcm.final();
  const tagAt = listAt + entries.length * PACK_ENTRY_SIZE;
  gcm.getAuthTag().copy(out, tagAt);
  writeFooter(out, tagAt + TAG_SIZE, TRAILER_KIND.pack, size);
  return out;
}

/** Opens a pack trailer (all of it, footer included); throws IntegrityError when it is not one or does not open. */
export function openPackTrailer(
  key: Buffer,
  trailer: Buffer,
): { driveId: string; packId: string; entries: PackEntry[] } {
  const footer = readFooter(trailer);
  const count = trailer.length >= IDS_SIZE ? trailer.readUInt32BE(32) : -1;
  if (
    footer?.kind !== TRAILER_KIND.pack ||
    footer.version !== STORAGE_FORMAT ||
    footer.length !== trailer.length ||
    trailer.length !== PACK_TRAILER_BASE + count * PACK_ENTRY_SIZE
  ) {
    throw new IntegrityError('The stored object does not end with a pack trailer');
  }
  const listAt = IDS_SIZE + NONCE_SIZE;
  const tagAt = listAt + count * PACK_ENTRY_SIZE;
  const decipher = createDecipheriv('aes-256-gcm', key, trailer.subarray(IDS_SIZE, listAt), {
    authTagLength: TAG_SIZE,
  });
  decipher.setAAD(trailer.subarray(0, IDS_SIZE));
  decipher.setAuthTag(trailer.subarray(tagAt, tagAt + TAG_SIZE));
  const list = decipher.update(trailer.subarray(listAt, tagAt));
  try {
    decipher.final();
  } catch {
    throw new IntegrityError("The pack's list of files does not open: it is damaged or not this drive's");
  }
  const entries = Array.from({ length: count }, (_, i) =>
    decodeEntry(list.subarray(i * PACK_ENTRY_SIZE, (i + 1) * PACK_ENTRY_SIZE)),
  );
  return {
    driveId: uuidFromBytes(trailer.subarray(0, 16)),
    packId: uuidFromBytes(trailer.subarray(16, 32)),
    entries,
  };
}

function encodeEntry(entry: PackEntry): Buffer {
  if (entry.wrappedKey.length !== WRAPPED_KEY_SIZE) throw new RangeError('A wrapped key is 60 bytes');
  const out = Buffer.alloc(PACK_ENTRY_SIZE);
  uuidBytes(entry.versionId).copy(out, 0);
  out[16] = entry.format;
  out.writeBigUInt64BE(BigInt(entry.offset), 17);
  out.writeBigUInt64BE(BigInt(entry.sealedSize), 25);
  out.writeBigUInt64BE(BigInt(entry.plainSize), 33);
  entry.wrappedKey.copy(out, 41);
  Buffer.from(entry.sha256, 'hex').copy(out, 41 + WRAPPED_KEY_SIZE);
  return out;
}

function decodeEntry(bytes: Buffer): PackEntry {
  const format = bytes[16];
  if (format !== 1 && format !== 2)
    throw new IntegrityError(`A packed file in format ${format}, unknown here`);
  return {
    versionId: uuidFromBytes(bytes.subarray(0, 16)),
    format,
    offset: Number(bytes.readBigUInt64BE(17)),
    sealedSize: Number(bytes.readBigUInt64BE(25)),
    plainSize: Number(bytes.readBigUInt64BE(33)),
    wrappedKey: Buffer.from(bytes.subarray(41, 41 + WRAPPED_KEY_SIZE)),
    sha256: bytes.subarray(41 + WRAPPED_KEY_SIZE).toString('hex'),
  };
}
