import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { crc32 } from '@node-rs/crc32';
import type { ArchiveUnsafeReason } from '@idrive/shared';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { AppError } from '../lib/app-error.js';
import { badArchive } from './archive-errors.js';
import { BlockReader, type RandomAccessSource } from './block-reader.js';
import { unsafePathReason } from './entry-names.js';

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;

/** An entry as the central directory describes it. */
export interface ArchiveEntryInfo {
  index: number;
  path: string;
  directory: boolean;
  size: number;
  compressedSize: number;
  methodId: number;
  crc32: number;
  modifiedAt: Date | null;
  encrypted: boolean;
  localHeaderOffset: number;
  /** Set when the entry is listed but must not be extracted. */
  unsafe: ArchiveUnsafeReason | null;
}

/** An entry found for extraction, with what bounds its bytes: the next entry's header or the end. */
export interface LocatedEntry {
  info: ArchiveEntryInfo;
  raw: Entry;
  /** The first byte after the entry that belongs to something else. */
  boundary: number;
}

/**
 * Entries read at most: past this an archive is refused (422) rather than read for minutes. It is
 * refused, not listed in part, because whether an entry is safe depends on every other entry (one
 * far down the directory may share its bytes): a partial listing could call a hostile entry safe.
 */
const SCAN_MAX = 1_000_000;
/** A local header is at least this long: the smallest footprint an entry's bytes can have. */
const LOCAL_HEADER_MIN = 30;

/**
 * A zip archive stored in the drive, read through its central directory with random access: only the
 * end records, the central directory and the entries asked for are fetched. Every failure that comes
 * from the archive's bytes is a `bad_archive` error; a failure of the store is passed on as it is.
 */
export class StoredArchive {
  private constructor(
    private readonly zip: ZipFile,
    private readonly reader: BlockReader,
    readonly size: number,
  ) {}

  static async open(source: RandomAccessSource): Promise<StoredArchive> {
    const reader = new BlockReader(source);
    const zip = await guard(
      reader,
      yauzl.fromRandomAccessReaderPromise(reader, source.size, {
        lazyEntries: true,
        autoClose: false,
        // Names are decoded and judged here: yauzl would stop at the first hostile one, and the
        // viewer lists those (marked unsafe) instead.
        decodeStrings: false,
        // Sizes are checked when an entry is extracted, so a lying entry does not hide the others.
        validateEntrySizes: false,
        strictFileNames: true,
      }),
    );
    if (zip.entryCount > SCAN_MAX) {
      throw badArchive(
        'too_many_entries',
        `The archive has ${zip.entryCount} entries; the viewer reads at most ${SCAN_MAX}`,
      );
    }
    return new StoredArchive(zip, reader, source.size);
  }

  get entryCount(): number {
    return this.zip.entryCount;
  }

  /** Bytes fetched from the store so far. */
  get bytesFetched(): number {
    return this.reader.bytesFetched;
  }

  /**
   * The entries [offset, offset + limit) in central directory order, overlapping ones marked. Every
   * entry is read, because any of them may overlap one on the page, but of the others only the start
   * is kept (8 bytes each): the page, not the archive, sets what a listing holds.
   */
  async list(offset: number, limit: number): Promise<ArchiveEntryInfo[]> {
    const page: ArchiveEntryInfo[] = [];
    // yauzl reads exactly the declared count, which open() has capped.
    const starts = new Float64Array(this.entryCount);
    for await (const { info } of this.entries()) {
      starts[info.index] = info.localHeaderOffset;
      if (info.index >= offset && page.length < limit) page.push(info);
    }
    starts.sort();
    for (const info of page) {
      if (info.unsafe === null && overlapsAnother(starts, info)) info.unsafe = 'overlapping';
    }
    return page;
  }

  /** The entry at `index`, or the first with `path`; null when there is none. */
  async find(selector: {
    index?: number | undefined;
    path?: string | undefined;
  }): Promise<LocatedEntry | null> {
    let found: { info: ArchiveEntryInfo; raw: Entry } | null = null;
    const offsets = new Float64Array(this.entryCount);
    for await (const entry of this.entries()) {
      offsets[entry.info.index] = entry.info.localHeaderOffset;
      const wanted =
        selector.index !== undefined
          ? entry.info.index === selector.index
          : entry.info.path === selector.path;
      if (!found && wanted) found = entry;
    }
    if (!found) return null;
    const start = found.info.localHeaderOffset;
    let boundary = this.size;
    let shared = 0;
    for (const offset of offsets) {
      if (offset === start) shared++;
      else if (offset > start && offset < boundary) boundary = offset;
    }
    const info =
      shared > 1 && found.info.unsafe === null
        ? { ...found.info, unsafe: 'overlapping' as const }
        : found.info;
    return { info, raw: found.raw, boundary };
  }

  /**
   * An entry's extracted bytes, checked as they go: never more than its declared size, and an error
   * (instead of a clean end) when the bytes run short, the CRC differs or its data would reach into
   * another entry's. The caller has refused unsafe, encrypted and unsupported entries.
   */
  async *content(entry: LocatedEntry): AsyncGenerator<Buffer> {
    const { info } = entry;
    const header = await guard(this.reader, this.zip.readLocalFileHeaderPromise(entry.raw));
    if ((header.generalPurposeBitFlag & 1) !== 0) throw badArchive('encrypted', 'The entry is encrypted');
    const dataStart = header.fileDataStart;
    const dataEnd = dataStart + info.compressedSize;
    if (dataEnd > entry.boundary) {
      throw badArchive(
        'overlapping',
        "The entry's data runs into another entry: the archive is built to mislead extractors",
        {
          path: info.path,
        },
      );
    }
    const compressed = this.reader.fetch(dataStart, dataEnd);
    const bytes = info.methodId === METHOD_DEFLATE ? inflated(compressed) : compressed;
    let produced = 0;
    let crc = 0;
    try {
      for await (const piece of bytes) {
        if (produced + piece.length > info.size) {
          throw badArchive(
            'size_mismatch',
            `The entry holds more than the ${info.size} bytes its header declares`,
          );
        }
        produced += piece.length;
        crc = crc32(piece, crc);
        yield piece;
      }
    } catch (err) {
      if (this.reader.failure) throw this.reader.failure;
      if (err instanceof AppError) throw err;
      throw badArchive('corrupt', `The entry's compressed data is damaged (${(err as Error).message})`);
    }
    if (produced !== info.size) {
      throw badArchive(
        'size_mismatch',
        `The entry holds ${produced} bytes, not the ${info.size} its header declares`,
      );
    }
    if (crc !== info.crc32)
      throw badArchive('crc_mismatch', "The entry's bytes do not match its CRC-32: the archive is damaged");
  }

  close(): void {
    this.zip.close();
  }

  private async *entries(): AsyncGenerator<{ info: ArchiveEntryInfo; raw: Entry }> {
    const iterator = this.zip.eachEntry();
    let index = 0;
    try {
      for (;;) {
        const next = await guard(this.reader, iterator.next());
        if (next.done) return;
        yield { info: describe(next.value, index++), raw: next.value };
      }
    } finally {
      await iterator.return?.();
    }
  }
}

function describe(raw: Entry, index: number): ArchiveEntryInfo {
  // Strict: a backslash stays one, so that it is reported rather than turned into a separator.
  const path = yauzl.getFileNameLowLevel(raw.generalPurposeBitFlag, raw.fileNameRaw, raw.extraFields, true);
  const modified = raw.getLastModDate({ timezone: 'UTC' });
  return {
    index,
    path,
    directory: path.endsWith('/'),
    size: raw.uncompressedSize,
    compressedSize: raw.compressedSize,
    methodId: raw.compressionMethod,
    crc32: raw.crc32,
    modifiedAt: Number.isNaN(modified.getTime()) ? null : modified,
    encrypted: raw.isEncrypted(),
    localHeaderOffset: raw.relativeOffsetOfLocalHeader,
    unsafe: unsafePathReason(path),
  };
}

/**
 * Whether another entry starts inside this one's bytes (counted at their smallest possible size) or
 * at the same offset: such entries cannot all be their own, which is how a few kilobytes of zip
 * inflate to petabytes. `sortedStarts` holds every entry's local header offset, in order.
 */
function overlapsAnother(sortedStarts: Float64Array, info: ArchiveEntryInfo): boolean {
  const start = info.localHeaderOffset;
  const minEnd = start + LOCAL_HEADER_MIN + info.compressedSize;
  // The first start not below this entry's is its own (or an equal one); the one after it decides.
  let low = 0;
  let high = sortedStarts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sortedStarts[middle]! < start) low = middle + 1;
    else high = middle;
  }
  return low + 1 < sortedStarts.length && sortedStarts[low + 1]! < minEnd;
}

/** Inflates raw DEFLATE data as it arrives. */
async function* inflated(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const inflate = createInflateRaw();
  const input = Readable.from(compressed);
  input.once('error', (err) => inflate.destroy(err));
  input.pipe(inflate);
  try {
    for await (const piece of inflate) yield piece as Buffer;
  } finally {
    input.destroy();
    inflate.destroy();
  }
}

/** yauzl's errors are about the archive; the store's own failures are passed on as they are. */
async function guard<T>(reader: BlockReader, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (reader.failure) throw reader.failure;
    const message = err instanceof Error ? err.message : String(err);
    if (/end of central directory record signature not found/i.test(message)) {
      throw badArchive('not_zip', 'This file is not a zip archive (or it is cut short)');
    }
    throw badArchive('corrupt', `The archive is damaged: ${message}`);
  }
}
