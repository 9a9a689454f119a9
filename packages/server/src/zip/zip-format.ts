/**
 * The records of a ZIP archive (PKWARE APPNOTE 6.3), as the download writer lays them out: STORE only,
 * UTF-8 names, and a data descriptor after every non-empty file so that no header ever needs the CRC.
 * Every record here depends only on an entry's name, size, time and offset, never on its bytes; only
 * the data descriptor and the central directory carry the CRC.
 */

export const MAX_UINT32 = 0xffffffff;
export const MAX_UINT16 = 0xffff;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIZE = 22;
export const ZIP64_EOCD_SIZE = 56;
export const ZIP64_LOCATOR_SIZE = 20;

const SIG_LOCAL = 0x04034b50;
const SIG_DESCRIPTOR = 0x08074b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_EOCD = 0x06054b50;

const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const VERSION_PLAIN = 20;
const VERSION_ZIP64 = 45;
/** "Made by" Unix, so that extractors apply the permission bits in the external attributes. */
const HOST_UNIX = 3 << 8;
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const DIRECTORY_ATTRIBUTES = ((0o040755 << 16) | 0x10) >>> 0;

const EXTRA_ZIP64 = 0x0001;
const EXTRA_TIMESTAMP = 0x5455;
/** The extended timestamp field (modification time only): 4 bytes of header, flags, seconds. */
const TIMESTAMP_EXTRA_SIZE = 9;
/** The zip64 field of a local header: both sizes (zero there, as the data descriptor carries them). */
const LOCAL_ZIP64_EXTRA_SIZE = 20;

/** One entry as the writer needs it. */
export interface ZipRecordEntry {
  /** The path inside the archive as UTF-8; a directory's ends with `/`. */
  name: Buffer;
  directory: boolean;
  size: number;
  /** Modification time, epoch milliseconds. */
  modifiedAt: number;
  /** Offset of the entry's local header in the archive. */
  localOffset: number;
}

/** Whether the sizes need 8 bytes: then the local header, descriptor and central record say so. */
export function needsZip64Size(size: number): boolean {
  return size >= MAX_UINT32;
}

/** A non-empty file's CRC is only known after its bytes: it goes in a descriptor after them. */
export function hasDescriptor(entry: Pick<ZipRecordEntry, 'directory' | 'size'>): boolean {
  return !entry.directory && entry.size > 0;
}

export function localHeaderSize(entry: Pick<ZipRecordEntry, 'name' | 'size'>): number {
  const zip64 = needsZip64Size(entry.size) ? LOCAL_ZIP64_EXTRA_SIZE : 0;
  return LOCAL_HEADER_SIZE + entry.name.length + TIMESTAMP_EXTRA_SIZE + zip64;
}

export function descriptorSize(entry: Pick<ZipRecordEntry, 'directory' | 'size'>): number {
  if (!hasDescriptor(entry)) return 0;
  return needsZip64Size(entry.size) ? 24 : 16;
}

function centralZip64Fields(entry: Pick<ZipRecordEntry, 'size' | 'localOffset'>): number[] {
  const fields: number[] = [];
  if (needsZip64Size(entry.size)) fields.push(entry.size, entry.size);
  if (entry.localOffset >= MAX_UINT32) fields.push(entry.localOffset);
  return fields;
}

export function centralHeaderSize(entry: Pick<ZipRecordEntry, 'name' | 'size' | 'localOffset'>): number {
  const fields = centralZip64Fields(entry).length;
  return CENTRAL_HEADER_SIZE + entry.name.length + TIMESTAMP_EXTRA_SIZE + (fields > 0 ? 4 + 8 * fields : 0);
}

/** DOS date and time (UTC, two-second steps), clamped to the years the format can hold. */
export function dosDateTime(ms: number): { date: number; time: number } {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(ms) || year < 1980) return { date: (1 << 5) | 1, time: 0 };
  if (year > 2107) return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 };
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

function unixSeconds(ms: number): number {
  return Math.min(MAX_UINT32, Math.max(0, Math.floor(ms / 1000)));
}

function writeTimestampExtra(buf: Buffer, at: number, ms: number): number {
  buf.writeUInt16LE(EXTRA_TIMESTAMP, at);
  buf.writeUInt16LE(5, at + 2);
  buf.writeUInt8(1, at + 4);
  buf.writeUInt32LE(unixSeconds(ms), at + 5);
  return at + TIMESTAMP_EXTRA_SIZE;
}

function versionOf(entry: Pick<ZipRecordEntry, 'size' | 'localOffset'>, inCentral: boolean): number {
  const zip64 = needsZip64Size(entry.size) || (inCentral && entry.localOffset >= MAX_UINT32);
  return zip64 ? VERSION_ZIP64 : VERSION_PLAIN;
}

function flagsOf(entry: ZipRecordEntry): number {
  return FLAG_UTF8 | (hasDescriptor(entry) ? FLAG_DESCRIPTOR : 0);
}

const clamp32 = (n: number) => Math.min(n, MAX_UINT32);

export function localHeader(entry: ZipRecordEntry): Buffer {
  const buf = Buffer.alloc(localHeaderSize(entry));
  const { date, time } = dosDateTime(entry.modifiedAt);
  const zip64 = needsZip64Size(entry.size);
  buf.writeUInt32LE(SIG_LOCAL, 0);
  buf.writeUInt16LE(versionOf(entry, false), 4);
  buf.writeUInt16LE(flagsOf(entry), 6);
  buf.writeUInt16LE(0, 8); // STORE
  buf.writeUInt16LE(time, 10);
  buf.writeUInt16LE(date, 12);
  // CRC and sizes: zero when a descriptor follows (and for empty entries, which are all zero anyway);
  // the zip64 marker when the sizes live in the zip64 field.
  buf.writeUInt32LE(0, 14);
  buf.writeUInt32LE(zip64 ? MAX_UINT32 : 0, 18);
  buf.writeUInt32LE(zip64 ? MAX_UINT32 : 0, 22);
  buf.writeUInt16LE(entry.name.length, 26);
  buf.writeUInt16LE(buf.length - LOCAL_HEADER_SIZE - entry.name.length, 28);
  entry.name.copy(buf, LOCAL_HEADER_SIZE);
  const at = writeTimestampExtra(buf, LOCAL_HEADER_SIZE + entry.name.length, entry.modifiedAt);
  if (zip64) {
    // Both sizes stay zero: with a data descriptor they come after the data.
    buf.writeUInt16LE(EXTRA_ZIP64, at);
    buf.writeUInt16LE(16, at + 2);
  }
  return buf;
}

export function dataDescriptor(entry: ZipRecordEntry, crc: number): Buffer {
  const buf = Buffer.alloc(descriptorSize(entry));
  buf.writeUInt32LE(SIG_DESCRIPTOR, 0);
  buf.writeUInt32LE(crc, 4);
  if (needsZip64Size(entry.size)) {
    buf.writeBigUInt64LE(BigInt(entry.size), 8);
    buf.writeBigUInt64LE(BigInt(entry.size), 16);
  } else {
    buf.writeUInt32LE(entry.size, 8);
    buf.writeUInt32LE(entry.size, 12);
  }
  return buf;
}

export function centralHeader(entry: ZipRecordEntry, crc: number): Buffer {
  const buf = Buffer.alloc(centralHeaderSize(entry));
  const { date, time } = dosDateTime(entry.modifiedAt);
  const version = versionOf(entry, true);
  buf.writeUInt32LE(SIG_CENTRAL, 0);
  buf.writeUInt16LE(HOST_UNIX | version, 4);
  buf.writeUInt16LE(version, 6);
  buf.writeUInt16LE(flagsOf(entry), 8);
  buf.writeUInt16LE(0, 10);
  buf.writeUInt16LE(time, 12);
  buf.writeUInt16LE(date, 14);
  buf.writeUInt32LE(crc, 16);
  buf.writeUInt32LE(clamp32(entry.size), 20);
  buf.writeUInt32LE(clamp32(entry.size), 24);
  buf.writeUInt16LE(entry.name.length, 28);
  buf.writeUInt16LE(buf.length - CENTRAL_HEADER_SIZE - entry.name.length, 30);
  buf.writeUInt16LE(0, 32); // comment length
  buf.writeUInt16LE(0, 34); // disk
  buf.writeUInt16LE(0, 36); // internal attributes
  buf.writeUInt32LE(entry.directory ? DIRECTORY_ATTRIBUTES : FILE_ATTRIBUTES, 38);
  buf.writeUInt32LE(clamp32(entry.localOffset), 42);
  entry.name.copy(buf, CENTRAL_HEADER_SIZE);
  let at = writeTimestampExtra(buf, CENTRAL_HEADER_SIZE + entry.name.length, entry.modifiedAt);
  const fields = centralZip64Fields(entry);
  if (fields.length > 0) {
    buf.writeUInt16LE(EXTRA_ZIP64, at);
    buf.writeUInt16LE(8 * fields.length, at + 2);
    at += 4;
    for (const value of fields) {
      buf.writeBigUInt64LE(BigInt(value), at);
      at += 8;
    }
  }
  return buf;
}

/** Where the central directory is and how big, as the end records state it. */
export interface CentralDirectory {
  entries: number;
  offset: number;
  size: number;
}

export function needsZip64End(cd: CentralDirectory): boolean {
  return cd.entries >= MAX_UINT16 || cd.offset >= MAX_UINT32 || cd.size >= MAX_UINT32;
}

export function endRecordsSize(cd: CentralDirectory): number {
  return (needsZip64End(cd) ? ZIP64_EOCD_SIZE + ZIP64_LOCATOR_SIZE : 0) + EOCD_SIZE;
}

/** The zip64 end record and its locator when needed, then the classic end record. */
export function endRecords(cd: CentralDirectory): Buffer {
  const buf = Buffer.alloc(endRecordsSize(cd));
  let at = 0;
  if (needsZip64End(cd)) {
    const zip64EndOffset = cd.offset + cd.size;
    buf.writeUInt32LE(SIG_ZIP64_EOCD, 0);
    buf.writeBigUInt64LE(BigInt(ZIP64_EOCD_SIZE - 12), 4);
    buf.writeUInt16LE(HOST_UNIX | VERSION_ZIP64, 12);
    buf.writeUInt16LE(VERSION_ZIP64, 14);
    buf.writeUInt32LE(0, 16);
    buf.writeUInt32LE(0, 20);
    buf.writeBigUInt64LE(BigInt(cd.entries), 24);
    buf.writeBigUInt64LE(BigInt(cd.entries), 32);
    buf.writeBigUInt64LE(BigInt(cd.size), 40);
    buf.writeBigUInt64LE(BigInt(cd.offset), 48);
    at = ZIP64_EOCD_SIZE;
    buf.writeUInt32LE(SIG_ZIP64_LOCATOR, at);
    buf.writeUInt32LE(0, at + 4);
    buf.writeBigUInt64LE(BigInt(zip64EndOffset), at + 8);
    buf.writeUInt32LE(1, at + 16);
    at += ZIP64_LOCATOR_SIZE;
  }
  buf.writeUInt32LE(SIG_EOCD, at);
  buf.writeUInt16LE(0, at + 4);
  buf.writeUInt16LE(0, at + 6);
  buf.writeUInt16LE(Math.min(cd.entries, MAX_UINT16), at + 8);
  buf.writeUInt16LE(Math.min(cd.entries, MAX_UINT16), at + 10);
  buf.writeUInt32LE(clamp32(cd.size), at + 12);
  buf.writeUInt32LE(clamp32(cd.offset), at + 16);
  buf.writeUInt16LE(0, at + 20);
  return buf;
}
