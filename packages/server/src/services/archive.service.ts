import { posix } from 'node:path';
import type { UserRow } from '../db/schema.js';
import { badRequest, notFound } from '../lib/app-error.js';
import { Limiter } from '../lib/limiter.js';
import { resolveMimeType } from '../lib/mime.js';
import { badArchive } from '../zip/archive-errors.js';
import { METHOD_DEFLATE, METHOD_STORE, StoredArchive, type ArchiveEntryInfo } from '../zip/archive-reader.js';
import type { FileService, OpenFile } from './file.service.js';

/** Entries up to this size are extracted whole before the response starts, so any fault is a clean error. */
const CHECK_FIRST_BYTES = 4 * 1024 * 1024;
/**
 * Central directory scans running at once in this process; more wait their turn. A scan of a large
 * archive is seconds of CPU and a few megabytes, so without a bound parallel requests for a
 * million-entry zip would add up to any amount of memory and starve every other request.
 */
const SCANS_AT_ONCE = 2;

export interface ArchiveContents {
  /** The page asked for. */
  entries: ArchiveEntryInfo[];
  total: number;
}

/** One extracted entry, ready to send. */
export interface ExtractedEntry {
  /** Its file name (the last part of its path). */
  name: string;
  mimeType: string;
  size: number;
  /** Strong: the archive's content and the entry's index. */
  etag: string;
  body: AsyncGenerator<Buffer>;
  release(piece: Buffer): void;
}

/**
 * The archive viewer: lists a stored zip and extracts single entries, reading only the central
 * directory and the entry through the file service (nothing is written anywhere). Hostile entries are
 * listed with the reason and refused for extraction.
 */
export class ArchiveService {
  private readonly scans = new Limiter(SCANS_AT_ONCE);

  constructor(private readonly files: FileService) {}

  async list(
    user: UserRow,
    fileId: string,
    page: { offset: number; limit: number },
  ): Promise<ArchiveContents> {
    return this.scans.run(async () => {
      const { archive } = await this.open(user, fileId);
      try {
        return { entries: await archive.list(page.offset, page.limit), total: archive.entryCount };
      } finally {
        archive.close();
      }
    });
  }

  async extract(
    user: UserRow,
    fileId: string,
    selector: { index?: number | undefined; path?: string | undefined },
  ): Promise<ExtractedEntry> {
    // Only the scan takes a turn: streaming the entry afterwards holds a piece at a time.
    const { file, archive, located } = await this.scans.run(async () => {
      const opened = await this.open(user, fileId);
      try {
        return { ...opened, located: await opened.archive.find(selector) };
      } catch (err) {
        opened.archive.close();
        throw err;
      }
    });
    let handedOver = false;
    try {
      if (!located) throw notFound('Archive entry');
      const { info } = located;
      refuseUnextractable(info);
      const checked = archive.content(located);
      const body = info.size <= CHECK_FIRST_BYTES ? wholeFirst(checked) : holdingLast(checked);
      handedOver = true;
      return {
        name: posix.basename(info.path),
        mimeType: resolveMimeType(info.path, null),
        size: info.size,
        etag: `"${file.version.sha256 ?? file.version.id}:${info.index}"`,
        body: closingAfter(body, () => archive.close()),
        release: (piece) => this.files.release(piece),
      };
    } finally {
      if (!handedOver) archive.close();
    }
  }

  private async open(user: UserRow, fileId: string): Promise<{ file: OpenFile; archive: StoredArchive }> {
    const file = await this.files.open(user, fileId);
    const files = this.files;
    const archive = await StoredArchive.open({
      size: file.version.size,
      read: (start, end) => files.read(file, start, end),
      release: (piece) => files.release(piece),
    });
    return { file, archive };
  }
}

/** Refuses what must not or cannot be extracted, with the reason. */
function refuseUnextractable(info: ArchiveEntryInfo): void {
  if (info.directory) throw badRequest('This entry is a folder; extract the files in it');
  if (info.unsafe) {
    throw badArchive(
      info.unsafe === 'overlapping' ? 'overlapping' : 'unsafe_name',
      info.unsafe === 'overlapping'
        ? "The entry's bytes overlap another entry's: the archive is built to mislead extractors"
        : `The entry's path is unsafe to extract (${info.unsafe})`,
      { path: info.path, unsafeReason: info.unsafe },
    );
  }
  if (info.encrypted)
    throw badArchive('encrypted', 'The entry is encrypted; the viewer does not take passwords');
  if (info.methodId !== METHOD_STORE && info.methodId !== METHOD_DEFLATE) {
    throw badArchive(
      'unsupported_method',
      `The entry uses compression method ${info.methodId}; only stored and deflated entries can be opened`,
    );
  }
  if (info.methodId === METHOD_STORE && info.compressedSize !== info.size) {
    throw badArchive('size_mismatch', 'A stored entry declares two different sizes');
  }
}

/** Reads everything (and so every check) before yielding it as one piece. */
async function* wholeFirst(pieces: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of pieces) parts.push(Buffer.from(piece));
  yield Buffer.concat(parts);
}

/**
 * Yields each piece once the next has arrived, and the last only once the entry ended cleanly: a
 * fault found at the end (a short entry, a wrong CRC) then leaves the response incomplete, which
 * the client sees, rather than complete with wrong bytes.
 */
async function* holdingLast(pieces: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let held: Buffer | null = null;
  for await (const piece of pieces) {
    if (held) yield held;
    held = piece;
  }
  if (held) yield held;
}

async function* closingAfter(pieces: AsyncGenerator<Buffer>, close: () => void): AsyncGenerator<Buffer> {
  try {
    yield* pieces;
  } finally {
    close();
  }
}
