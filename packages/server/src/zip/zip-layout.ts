import {
  centralHeaderSize,
  descriptorSize,
  endRecordsSize,
  localHeaderSize,
  MAX_UINT16,
  type CentralDirectory,
  type ZipRecordEntry,
} from './zip-format.js';

/** One entry to put in an archive. */
export interface ZipEntrySpec {
  /** Relative path with `/` between names; a directory's ends with `/`. */
  path: string;
  directory: boolean;
  size: number;
  /** Epoch milliseconds. */
  modifiedAt: number;
  /** What holds the bytes (a stored version), shared by entries with the same content; null when empty. */
  content: string | null;
}

/** An entry with the byte offsets of each of its parts in the archive. */
export interface LaidOutEntry extends ZipRecordEntry {
  content: string | null;
  dataOffset: number;
  descriptorOffset: number;
  descriptorSize: number;
  centralOffset: number;
  centralSize: number;
}

/** A zip path's length field has 16 bits. */
export const ZIP_PATH_MAX_BYTES = MAX_UINT16;

/**
 * Where every byte of an archive goes, computed from names and sizes alone, before any content is
 * read: so the size is known up front and any byte range can be produced without the bytes before it.
 */
export class ZipLayout {
  readonly entries: LaidOutEntry[] = [];
  readonly central: CentralDirectory;
  readonly endOffset: number;
  readonly size: number;

  constructor(specs: readonly ZipEntrySpec[]) {
    let offset = 0;
    for (const spec of specs) {
      const name = Buffer.from(spec.path, 'utf8');
      if (name.length > ZIP_PATH_MAX_BYTES) {
        throw new RangeError(`The path "${spec.path}" is longer than a zip entry name can be`);
      }
      const size = spec.directory ? 0 : spec.size;
      const base = {
        name,
        directory: spec.directory,
        size,
        modifiedAt: spec.modifiedAt,
        localOffset: offset,
      };
      const dataOffset = offset + localHeaderSize(base);
      const descriptor = descriptorSize(base);
      this.entries.push({
        ...base,
        content: size > 0 ? spec.content : null,
        dataOffset,
        descriptorOffset: dataOffset + size,
        descriptorSize: descriptor,
        centralOffset: 0,
        centralSize: centralHeaderSize(base),
      });
      offset = dataOffset + size + descriptor;
    }
    const centralStart = offset;
    for (const entry of this.entries) {
      entry.centralOffset = offset;
      offset += entry.centralSize;
    }
    this.central = { entries: this.entries.length, offset: centralStart, size: offset - centralStart };
    this.endOffset = offset;
    this.size = offset + endRecordsSize(this.central);
    if (!Number.isSafeInteger(this.size)) throw new RangeError('The archive would be too large');
  }

  /** The entry whose local part (header, data, descriptor) holds `offset`, for offsets before the central directory. */
  entryAt(offset: number): number {
    return lastAtOrBefore(this.entries, offset, (e) => e.localOffset);
  }

  /** How many entries lie wholly (header, data, descriptor) before `offset`. */
  entriesBefore(offset: number): number {
    if (offset >= this.central.offset) return this.entries.length;
    const i = this.entryAt(offset);
    const entry = this.entries[i]!;
    return offset >= entry.descriptorOffset + entry.descriptorSize ? i + 1 : i;
  }

  /** The entry whose central directory record holds `offset`. */
  centralAt(offset: number): number {
    return lastAtOrBefore(this.entries, offset, (e) => e.centralOffset);
  }
}

/** The last index whose key is <= `offset` (0 when none is), by binary search over ascending keys. */
function lastAtOrBefore<T>(items: readonly T[], offset: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
