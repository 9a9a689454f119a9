import type { ItemRow } from '../db/schema.js';
import { AppError, badRequest, conflict, notFound } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { ZipTreeRow } from '../repositories/zip.repository.js';
import { ZipLayout } from '../zip/zip-layout.js';
import { planZip, zipEtag, type ZipPlan } from '../zip/zip-plan.js';
import { zipRange, type CrcBook, type ZipContentSource } from '../zip/zip-stream.js';
import type { FileService, OpenVersion } from './file.service.js';

/** An archive ready to be sent: its size and validator are known before any byte is read. */
export interface ZipDownload {
  /** A file name for it. */
  name: string;
  size: number;
  /** Strong: the same tree gives the same bytes and the same ETag. */
  etag: string;
  entries: number;
  /** How many entries lie wholly before byte `offset`. */
  entriesBefore(offset: number): number;
  /** Bytes [start, end); each piece should go back through `release` once written. */
  read(start: number, end: number): AsyncGenerator<Buffer>;
  release(piece: Buffer): void;
}

/** CRC-32s learned while streaming are written back in batches of this many. */
const CRC_FLUSH = 500;
/** Open versions kept while streaming: entries of the same content are often next to each other. */
const OPEN_VERSIONS_KEPT = 16;
/** Used as the archive's name when no folder name fits: the whole drive, or items from several folders. */
const DRIVE_NAME = 'I Drive';

/**
 * Zip downloads of folders and selections, streamed on the fly and resumable. It works on an owner
 * and root ids, not on a session, so share links can serve the same archives; whoever calls it
 * decides whose drive it reads (after checking the caller may see the roots there) and which folders
 * are left out (password-locked ones that are not open).
 */
export class ZipService {
  constructor(
    private readonly repos: Repositories,
    private readonly files: FileService,
  ) {}

  /** A folder's contents, with paths relative to the folder. */
  async ofFolder(ownerId: string, folderId: string, skipFolders: ReadonlySet<string>): Promise<ZipDownload> {
    const folder = await this.liveItem(ownerId, folderId);
    if (folder.type !== 'folder') throw badRequest('This item is a file; zip files with /zip?ids=…');
    const rows = await this.repos.zip.liveSubtrees(ownerId, [folder.id]);
    const top = skipFolders.has(folder.id) ? [] : rows.filter((r) => r.parent_id === folder.id);
    const name = folder.parent_id === null ? DRIVE_NAME : folder.name;
    return this.download(`${name}.zip`, rows, top, skipFolders);
  }

  /**
   * Items (files and folders) at the top level of the archive, each folder with everything inside it.
   * `nameByFolder` false keeps the name of the folder they are in out of the archive's name (a
   * folder of the owner's that the caller does not see).
   */
  async ofSelection(
    ownerId: string,
    ids: readonly string[],
    skipFolders: ReadonlySet<string>,
    nameByFolder = true,
  ): Promise<ZipDownload> {
    const unique = [...new Set(ids)];
    const selected: ItemRow[] = [];
    for (const id of unique) {
      const item = await this.liveItem(ownerId, id);
      if (item.parent_id === null)
        throw badRequest('The root folder cannot be part of a selection; zip it as a folder');
      selected.push(item);
    }
    const rows = await this.repos.zip.liveSubtrees(ownerId, unique);
    const chosen = new Set(unique);
    const top = rows.filter((r) => chosen.has(r.id));
    const name = await this.selectionName(ownerId, selected, nameByFolder);
    return this.download(`${name}.zip`, rows, top, skipFolders);
  }

  private async liveItem(ownerId: string, id: string): Promise<ItemRow> {
    const item = await this.repos.items.findOwned(ownerId, id);
    if (!item) throw notFound('Item');
    if (item.trashed_at !== null) throw conflict(`"${item.name}" is in the trash; restore it first`);
    return item;
  }

  /** One item: its name; several from one folder: that folder's; otherwise the drive's. */
  private async selectionName(ownerId: string, selected: ItemRow[], byFolder: boolean): Promise<string> {
    if (selected.length === 1) return selected[0]!.name;
    const parents = new Set(selected.map((s) => s.parent_id));
    if (parents.size !== 1 || !byFolder) return DRIVE_NAME;
    const parent = await this.repos.items.findOwned(ownerId, selected[0]!.parent_id!);
    return parent && parent.parent_id !== null ? parent.name : DRIVE_NAME;
  }

  private download(
    name: string,
    rows: ZipTreeRow[],
    top: ZipTreeRow[],
    skipFolders: ReadonlySet<string>,
  ): ZipDownload {
    const plan = planZip(rows, top, skipFolders);
    const layout = this.layout(plan);
    const source = this.source();
    const crcs = new CrcLedger(plan.knownCrcs);
    const zipRepo = this.repos.zip;
    return {
      name,
      size: layout.size,
      etag: zipEtag(plan.entries),
      entries: plan.entries.length,
      entriesBefore: (offset) => layout.entriesBefore(offset),
      release: source.release,
      async *read(start, end) {
        try {
          for await (const piece of zipRange(layout, source, crcs, start, end)) {
            yield piece;
            if (crcs.pending.size >= CRC_FLUSH) await crcs.flush(zipRepo);
          }
        } finally {
          await crcs.flush(zipRepo);
        }
      },
    };
  }

  private layout(plan: ZipPlan): ZipLayout {
    try {
      return new ZipLayout(plan.entries);
    } catch (err) {
      if (err instanceof RangeError) throw new AppError(409, 'conflict', err.message);
      throw err;
    }
  }

  /**
   * Versions' plaintext through the file service, each version opened once while its entries
   * stream; entries read ahead are opened a batch per two queries, and read together.
   */
  private source(): ZipContentSource {
    const opened = new Map<string, Promise<OpenVersion>>();
    const open = (versionId: string) => {
      let version = opened.get(versionId);
      if (!version) {
        version = this.files.openVersion(versionId);
        opened.set(versionId, version);
        if (opened.size > OPEN_VERSIONS_KEPT) opened.delete(opened.keys().next().value!);
      }
      return version;
    };
    const files = this.files;
    async function* read(versionId: string, start: number, end: number) {
      yield* files.read(await open(versionId), start, end);
    }
    return {
      read,
      readMany(contents) {
        const ids = [...new Set(contents.map((c) => c.content))];
        const reads = files.openVersions(ids).then((opened) => {
          const found = ids.filter((id) => opened.has(id));
          const whole = files.readWholeMany(found.map((id) => opened.get(id)!));
          return new Map(found.map((id, k) => [id, whole[k]]));
        });
        // Held by the entries' reads below: a failure is theirs to report.
        reads.catch(() => undefined);
        return contents.map(async ({ content, size }) => {
          const whole = (await reads).get(content);
          return whole ? [await whole] : collect(read(content, 0, size));
        });
      },
      release: (piece) => files.release(piece),
    };
  }
}

async function collect(pieces: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const piece of pieces) all.push(piece);
  return all;
}

/** The CRC-32s an archive needs: known from earlier downloads, or learned now and written back. */
class CrcLedger implements CrcBook {
  readonly pending = new Map<string, number>();
  private readonly learned = new Map<string, number>();

  constructor(private readonly known: ReadonlyMap<string, number>) {}

  get(content: string): number | undefined {
    return this.known.get(content) ?? this.learned.get(content);
  }

  set(content: string, crc: number): void {
    this.learned.set(content, crc);
    this.pending.set(content, crc);
  }

  async flush(repo: Repositories['zip']): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = new Map(this.pending);
    this.pending.clear();
    await repo.setCrc32s(batch);
  }
}
