import { crc32 } from '@node-rs/crc32';
import { centralHeader, dataDescriptor, endRecords, localHeader } from './zip-format.js';
import type { LaidOutEntry, ZipLayout } from './zip-layout.js';

/** Where entries' bytes come from. */
export interface ZipContentSource {
  /** Bytes [start, end) of a content, in pieces. */
  read(content: string, start: number, end: number): AsyncIterable<Buffer>;
  /**
   * Starts reading several small contents whole, together (the source may fetch and open
   * neighbours at once); one promise per content, in order, each of the whole content's pieces.
   */
  readMany(contents: readonly { content: string; size: number }[]): Promise<Buffer[]>[];
  /** Takes back a piece `read` yielded once it is no longer used (buffers may be pooled). */
  release(piece: Buffer): void;
}

/** CRC-32s of contents: those known before, and those learned while streaming. */
export interface CrcBook {
  get(content: string): number | undefined;
  set(content: string, crc: number): void;
}

/** Pieces at least this large go out as they are; smaller ones are gathered first. */
const DIRECT_BYTES = 64 * 1024;
/** How much is gathered before it goes out: one socket write per many small entries. */
const BATCH_BYTES = 256 * 1024;
/**
 * Small entries are read ahead of the one being sent, in batches the source reads together: an
 * archive of many small files is bound by the work per read (query, store, cipher thread), not by
 * bytes. Entries up to `READ_AHEAD_ENTRIES` ahead are started, a new batch once half of them are
 * sent, while less than `READ_AHEAD_BYTES` read ahead are waiting; so a download holds at most about
 * twice that, and a batch is large enough to find neighbours in a pack.
 */
const READ_AHEAD_ENTRIES = 256;
const READ_AHEAD_BYTES = 2 * 1024 * 1024;
/** Larger entries are read on their turn, in pieces. */
const READ_AHEAD_MAX_BYTES = 1024 * 1024;

interface Piece {
  bytes: Buffer;
  /** It came from the source, which wants it back once it is no longer used. */
  fromSource: boolean;
}

/**
 * Bytes [start, end) of the archive a layout describes. Only the content the range covers is read,
 * plus, for an entry whose CRC is not known yet, what its descriptor or central record needs: the
 * part of the entry before the range (when the range starts inside it) or the whole entry (when the
 * range starts after it). Every piece yielded should go back through `source.release` once written.
 */
export async function* zipRange(
  layout: ZipLayout,
  source: ZipContentSource,
  crcs: CrcBook,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    start > end ||
    end > layout.size
  ) {
    throw new RangeError(`Invalid range ${start}-${end} of a ${layout.size}-byte archive`);
  }
  yield* gather(pieces(layout, source, crcs, start, end), (p) => source.release(p));
}

async function* pieces(
  layout: ZipLayout,
  source: ZipContentSource,
  crcs: CrcBook,
  start: number,
  end: number,
): AsyncGenerator<Piece> {
  const own = (bytes: Buffer | null): Piece[] =>
    bytes && bytes.length > 0 ? [{ bytes, fromSource: false }] : [];
  const part = (bytes: Buffer, at: number) => own(within(bytes, at, start, end));
  const entryCrc = (entry: LaidOutEntry) => crcOf(entry, source, crcs);

  const { entries, central } = layout;
  if (start < central.offset) {
    const ahead = new ReadAhead(layout, source, start, end);
    for (let i = layout.entryAt(start); i < entries.length && entries[i]!.localOffset < end; i++) {
      const entry = entries[i]!;
      ahead.advance(i);
      if (overlaps(entry.localOffset, entry.dataOffset, start, end)) {
        yield* part(localHeader(entry), entry.localOffset);
      }
      const dataEnd = entry.dataOffset + entry.size;
      if (entry.content !== null && overlaps(entry.dataOffset, dataEnd, start, end)) {
        yield* data(entry, entry.content, source, crcs, start, end, ahead.take(i));
      }
      if (
        entry.descriptorSize > 0 &&
        overlaps(entry.descriptorOffset, entry.descriptorOffset + entry.descriptorSize, start, end)
      ) {
        yield* part(dataDescriptor(entry, await entryCrc(entry)), entry.descriptorOffset);
      }
    }
  }
  const centralEnd = central.offset + central.size;
  if (overlaps(central.offset, centralEnd, start, end)) {
    for (
      let i = layout.centralAt(Math.max(start, central.offset));
      i < entries.length && entries[i]!.centralOffset < end;
      i++
    ) {
      const entry = entries[i]!;
      yield* part(centralHeader(entry, await entryCrc(entry)), entry.centralOffset);
    }
  }
  if (end > layout.endOffset) yield* part(endRecords(central), layout.endOffset);
}

/** An entry's content within the range; its CRC is learned on the way when it was not known. */
async function* data(
  entry: LaidOutEntry,
  content: string,
  source: ZipContentSource,
  crcs: CrcBook,
  start: number,
  end: number,
  readAlready?: Promise<Buffer[]>,
): AsyncGenerator<Piece> {
  const from = Math.max(start, entry.dataOffset) - entry.dataOffset;
  const to = Math.min(end, entry.dataOffset + entry.size) - entry.dataOffset;
  const learning = crcs.get(content) === undefined;
  // A range that starts inside the entry still needs the CRC of the bytes before it.
  let running = learning && from > 0 ? await crcOfRange(source, content, 0, from) : 0;
  for await (const bytes of readAlready ? await readAlready : source.read(content, from, to)) {
    if (learning) running = crc32(bytes, running);
    yield { bytes, fromSource: true };
  }
  if (learning && to === entry.size) crcs.set(content, running);
}

async function crcOf(entry: LaidOutEntry, source: ZipContentSource, crcs: CrcBook): Promise<number> {
  if (entry.content === null) return 0;
  const known = crcs.get(entry.content);
  if (known !== undefined) return known;
  const crc = await crcOfRange(source, entry.content, 0, entry.size);
  crcs.set(entry.content, crc);
  return crc;
}

async function crcOfRange(
  source: ZipContentSource,
  content: string,
  start: number,
  end: number,
): Promise<number> {
  let crc = 0;
  for await (const piece of source.read(content, start, end)) {
    crc = crc32(piece, crc);
    source.release(piece);
  }
  return crc;
}

/** Reads of the next small entries that lie wholly in the range, started before their turn. */
class ReadAhead {
  private readonly started = new Map<number, { reading: Promise<Buffer[]>; size: number }>();
  private next = 0;
  /** Bytes of the entries started and not taken yet. */
  private waiting = 0;

  constructor(
    private readonly layout: ZipLayout,
    private readonly source: ZipContentSource,
    private readonly start: number,
    private readonly end: number,
  ) {}

  advance(current: number): void {
    const { entries } = this.layout;
    this.next = Math.max(this.next, current);
    if (this.next > current + READ_AHEAD_ENTRIES / 2 || this.waiting >= READ_AHEAD_BYTES) return;
    const batch: { index: number; content: string; size: number }[] = [];
    let bytes = 0;
    for (; this.next < entries.length && this.next <= current + READ_AHEAD_ENTRIES; this.next++) {
      const entry = entries[this.next]!;
      if (entry.localOffset >= this.end) break;
      const whole = entry.dataOffset >= this.start && entry.dataOffset + entry.size <= this.end;
      if (entry.content === null || !whole || entry.size > READ_AHEAD_MAX_BYTES) continue;
      if (batch.length > 0 && bytes + entry.size > READ_AHEAD_BYTES) break;
      batch.push({ index: this.next, content: entry.content, size: entry.size });
      bytes += entry.size;
    }
    if (batch.length === 0) return;
    this.source.readMany(batch).forEach((reading, k) => {
      // Reported when its turn comes (or never, when the response stops first).
      reading.catch(() => undefined);
      this.started.set(batch[k]!.index, { reading, size: batch[k]!.size });
    });
    this.waiting += bytes;
  }

  /** The whole content of entry `index`, when it was read ahead. */
  take(index: number): Promise<Buffer[]> | undefined {
    const started = this.started.get(index);
    if (!started) return undefined;
    this.started.delete(index);
    this.waiting -= started.size;
    return started.reading;
  }
}

function overlaps(partStart: number, partEnd: number, start: number, end: number): boolean {
  return partStart < end && partEnd > start && partEnd > partStart;
}

/** The part of `bytes` (which sit at archive offset `at`) that falls in [start, end). */
function within(bytes: Buffer, at: number, start: number, end: number): Buffer | null {
  const from = Math.max(0, start - at);
  const to = Math.min(bytes.length, end - at);
  return to > from ? bytes.subarray(from, to) : null;
}

/**
 * Gathers small pieces into larger buffers, so that an archive of many small files is not written
 * to the socket a few dozen bytes at a time; large pieces pass through untouched.
 */
async function* gather(
  pieces: AsyncIterable<Piece>,
  release: (piece: Buffer) => void,
): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held: Buffer[] = [];
  let size = 0;
  const take = () => {
    const joined = Buffer.concat(parts, size);
    for (const piece of held) release(piece);
    parts = [];
    held = [];
    size = 0;
    return joined;
  };
  for await (const piece of pieces) {
    if (piece.bytes.length >= DIRECT_BYTES) {
      if (size > 0) yield take();
      yield piece.bytes;
      continue;
    }
    parts.push(piece.bytes);
    size += piece.bytes.length;
    if (piece.fromSource) held.push(piece.bytes);
    if (size >= BATCH_BYTES) yield take();
  }
  if (size > 0) yield take();
}
