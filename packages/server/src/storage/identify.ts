import { createHash } from 'node:crypto';
import { SEGMENT_SIZE } from '@idrive/shared/limits';
import {
  FOOTER_SIZE,
  openChunkHeader,
  readChunkTrailer,
  readFooter,
  STORAGE_FORMAT,
  TRAILER_KIND,
  type ChunkHeader,
} from './chunk-format.js';
import type { ByteRange } from './chunk-store.js';
import { IntegrityError } from './errors.js';
import type { MasterKey } from './master-key.js';
import { openPackTrailer, PACK_TRAILER_KEY_LABEL, type PackEntry } from './pack-trailer.js';
import { SegmentCipher, sealedSize, segmentCount } from './segment-cipher.js';

/** A stored object read in ranges (a Discord attachment, a file on disk): its size, and a ranged read. */
export interface StoredObject {
  size: number;
  read(range: ByteRange): Promise<Buffer>;
}

/** A packed file as its pack's trailer lists it; with `verify`, `damage` says why it does not open. */
export type IdentifiedEntry = PackEntry & { damage?: string };

/** What a stored object is, told from its bytes and the master key alone. */
export type Identity =
  | (ChunkHeader & { kind: 'chunk'; wrappedKey: Buffer })
  | { kind: 'pack'; driveId: string; packId: string; entries: IdentifiedEntry[] }
  /** No format-2 trailer: a chunk or pack of format 1, or not I Drive's at all. */
  | { kind: 'foreign'; reason: string }
  /** A trailer that does not open under this master key: damaged, or made under another key. */
  | { kind: 'damaged'; reason: string };

/** Bytes read from the end first: any chunk's trailer, and a pack's of up to ~490 files, in one read. */
const TAIL_BYTES = 64 * 1024;

/**
 * Identifies a stored object from its trailer (docs/storage-format.md): for a chunk, its drive,
 * version, index and sizes, and in the final one the file's size, chunk count and SHA-256; for a
 * pack, the files in it. It needs no database: the trailer carries the wrapped data key. Reads the
 * last bytes first, then ranges only as needed. With `verify`, every segment is opened too (and a
 * packed file's SHA-256 compared), which reads the whole object.
 */
export async function identifyStored(
  master: MasterKey,
  object: Buffer | StoredObject,
  options: { verify?: boolean } = {},
): Promise<Identity> {
  const source = Buffer.isBuffer(object) ? inMemory(object) : object;
  let tail = await source.read({ start: Math.max(0, source.size - TAIL_BYTES), end: source.size });
  const footer = readFooter(tail);
  if (!footer) return { kind: 'foreign', reason: 'it does not end with an I Drive trailer' };
  if (footer.version !== STORAGE_FORMAT) {
    return { kind: 'foreign', reason: `its trailer is in format ${footer.version}, unknown here` };
  }
  if (footer.length < FOOTER_SIZE || footer.length > source.size) {
    return { kind: 'damaged', reason: `its trailer claims ${footer.length} bytes of ${source.size}` };
  }
  if (footer.length > tail.length)
    tail = await source.read({ start: source.size - footer.length, end: source.size });
  const trailer = tail.subarray(tail.length - footer.length);
  const segments = { source, bytes: source.size - footer.length, verify: options.verify === true };
  try {
    if (footer.kind === TRAILER_KIND.chunk) return await identifyChunk(master, trailer, segments);
    if (footer.kind === TRAILER_KIND.pack) return await identifyPack(master, trailer, segments);
    return { kind: 'damaged', reason: `its trailer is of kind ${footer.kind}, unknown here` };
  } catch (err) {
    if (err instanceof IntegrityError) return { kind: 'damaged', reason: err.message };
    throw err;
  }
}

interface Segments {
  source: StoredObject;
  /** Bytes before the trailer. */
  bytes: number;
  verify: boolean;
}

async function identifyChunk(master: MasterKey, trailer: Buffer, segments: Segments): Promise<Identity> {
  const clear = readChunkTrailer(trailer);
  const dataKey = master.unwrap(clear.wrappedKey, clear.versionId, clear.driveId);
  const header = openChunkHeader(dataKey, trailer);
  const { index, chunkSize, plainSize } = header;
  if (segments.bytes !== sealedSize(plainSize) || chunkSize % SEGMENT_SIZE !== 0) {
    throw new IntegrityError(
      `Its ${segments.bytes} sealed bytes do not hold the ${plainSize} its header gives`,
    );
  }
  if (segments.verify) {
    const binding = { driveId: clear.driveId, wrappedKey: clear.wrappedKey };
    const cipher = new SegmentCipher(dataKey, clear.versionId, binding);
    const sealed = await segments.source.read({ start: 0, end: segments.bytes });
    const first = index * (chunkSize / SEGMENT_SIZE);
    cipher.openSegments(first, sealed, segmentCount(plainSize), header.final !== null, plainSize, index);
  }
  return { kind: 'chunk', ...header, wrappedKey: clear.wrappedKey };
}

async function identifyPack(master: MasterKey, trailer: Buffer, segments: Segments): Promise<Identity> {
  const { driveId, packId, entries } = openPackTrailer(master.deriveKey(PACK_TRAILER_KEY_LABEL), trailer);
  if (entries.some((e) => e.offset + e.sealedSize > segments.bytes)) {
    throw new IntegrityError('Its trailer lists a file past the end of the pack');
  }
  if (!segments.verify) return { kind: 'pack', driveId, packId, entries };
  const sealed = await segments.source.read({ start: 0, end: segments.bytes });
  const checked = entries.map((entry): IdentifiedEntry => {
    const damage = packedDamage(
      master,
      driveId,
      entry,
      sealed.subarray(entry.offset, entry.offset + entry.sealedSize),
    );
    return damage ? { ...entry, damage } : entry;
  });
  return { kind: 'pack', driveId, packId, entries: checked };
}

/** Why a packed file does not open to what its entry says, or undefined when it does. */
function packedDamage(
  master: MasterKey,
  driveId: string,
  entry: PackEntry,
  sealed: Buffer,
): string | undefined {
  try {
    const drive = entry.format === 2 ? driveId : undefined;
    const dataKey = master.unwrap(entry.wrappedKey, entry.versionId, drive);
    const binding = drive === undefined ? undefined : { driveId: drive, wrappedKey: entry.wrappedKey };
    const cipher = new SegmentCipher(dataKey, entry.versionId, binding);
    const plain = cipher.openSegments(0, sealed, segmentCount(entry.plainSize), true, entry.plainSize, 0);
    const sha256 = createHash('sha256').update(plain).digest('hex');
    return sha256 === entry.sha256 ? undefined : 'it does not match the SHA-256 its entry gives';
  } catch (err) {
    if (err instanceof IntegrityError) return err.message;
    throw err;
  }
}

function inMemory(bytes: Buffer): StoredObject {
  return { size: bytes.length, read: ({ start, end }) => Promise.resolve(bytes.subarray(start, end)) };
}
