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

/** Entries read at most: past this an archive is refused rather than read for minutes. */
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

  /** The entries in central directory order, the first `max` of them described; overlapping ones are marked. */
  async list(max: number): Promise<ArchiveEntryInfo[]> {
    const listed: ArchiveEntryInfo[] = [];
    const spans: { start: number; minEnd: number; index: number }[] = [];
    for await (const { info } of this.entries()) {
      if (listed.length < max) listed.push(info);
      spans.push({
        start: info.localHeaderOffset,
        minEnd: info.localHeaderOffset + LOCAL_HEADER_MIN + info.compressedSize,
        index: info.index,
      });
    }
    for (const index of overlapping(spans)) {
      const info = listed[index];
      if (info && info.unsafe === null) info.unsafe = 'overlapping';
    }
    return listed;
  }

  /** The entry at `index`, or the first with `path`; null when there is none. */
  async find(selector: {
    index?: number | undefined;
    path?: string | undefined;
  }): Promise<LocatedEntry | null> {
    let found: { info: ArchiveEntryInfo; raw: Entry } | null = null;
    const offsets: number[] = [];
    for await (const entry of this.entries()) {
      offsets.push(entry.info.localHeaderOffset);
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
 * Entries whose bytes cannot all be their own: two starting at the same offset, or one whose data
 * (counted at its smallest possible size) reaches the next entry's header. Overlapping entries are
 * how a few kilobytes of zip inflate to petabytes.
 */
function overlapping(spans: { start: number; minEnd: number; index: number }[]): Set<number> {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const found = new Set<number>();
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    if (a.start === b.start) {
      found.add(a.index);
      found.add(b.index);
    } else if (a.minEnd > b.start) {
      found.add(a.index);
    }
  }
  return found;
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
