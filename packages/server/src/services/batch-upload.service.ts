import { checkName, nameKey, type ConflictPolicy } from '@idrive/shared';
import type { ItemRow, UserRow } from '../db/schema.js';
import { AppError, badRequest } from '../lib/app-error.js';
import { refineByContent, resolveMimeType, SNIFF_BYTES } from '../lib/mime.js';
import type { FileService } from './file.service.js';
import type { ItemService } from './item.service.js';
import { PACKED_FILE_MAX, packFootprint, type PackedFile, type PackService } from './pack.service.js';

/** One file of a batch: its path below the target folder ('/'-separated) and its bytes. */
export interface BatchFile {
  path: string;
  mimeType: string | undefined;
  content: AsyncIterable<Buffer>;
}

export type BatchResult = { path: string; item: ItemRow } | { path: string; error: AppError };

/** Folder levels a batch path may have below its target, and its length: more is not a folder drop. */
export const BATCH_PATH_DEPTH_MAX = 64;
export const BATCH_PATH_LENGTH_MAX = 4096;

/** Refuses a part that is not a file of a folder drop; the whole batch is refused for it. */
function checkPart(part: BatchFile): void {
  if (!part.path) throw badRequest('Every part of a batch must be a file whose file name is its path');
  if (Buffer.byteLength(part.path) > BATCH_PATH_LENGTH_MAX) {
    throw badRequest(`A path in the batch is longer than ${BATCH_PATH_LENGTH_MAX} bytes`);
  }
  if (part.path.split('/').filter((s) => s !== '').length > BATCH_PATH_DEPTH_MAX + 1) {
    throw badRequest(`A path in the batch is more than ${BATCH_PATH_DEPTH_MAX} folders deep`);
  }
}

/**
 * Many files in one request: a folder dropped on the page, or a thousand photos. Small files are
 * sealed one by one and stored in packs; larger ones stream through the usual chunk pipeline. Paths
 * may name subfolders, which are created as needed. Each file succeeds or fails on its own: a name
 * conflict or a bad name is reported for that file and the rest go on. A batch that fails as a whole
 * (a malformed part, a limit passed: a file too large or a full quota, a dropped connection) takes
 * back every folder and file it made.
 */
export class BatchUploadService {
  constructor(
    private readonly items: ItemService,
    private readonly files: FileService,
    private readonly packs: PackService,
  ) {}

  async upload(
    user: UserRow,
    folderId: string,
    conflict: ConflictPolicy,
    parts: AsyncIterable<BatchFile>,
  ): Promise<BatchResult[]> {
    // Every folder of a batch is below this one, so its owner is charged for the whole batch.
    const { owner_id: chargedTo } = await this.items.liveFolder(user, folderId);
    const made: string[] = [];
    try {
      return await this.store(user, chargedTo, folderId, conflict, parts, made);
    } catch (err) {
      await this.items.discardNew(user, made);
      throw err;
    }
  }

  /** `made` collects, in order, the folders and new files stored so far. */
  private async store(
    user: UserRow,
    chargedTo: string,
    folderId: string,
    conflict: ConflictPolicy,
    parts: AsyncIterable<BatchFile>,
    made: string[],
  ): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    let count = 0;
    const folders = new Map<string, string>([['', folderId]]);
    let pending: { file: PackedFile; index: number; path: string }[] = [];
    let pendingBytes = 0;
    const capacity = this.packs.capacity();

    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      const stored = await this.packs.store(
        user,
        chargedTo,
        batch.map((p) => p.file),
      );
      batch.forEach((p, i) => {
        const outcome = stored[i]!;
        if (!(outcome instanceof AppError)) madeFile(outcome);
        results[p.index] =
          outcome instanceof AppError ? { path: p.path, error: outcome } : { path: p.path, item: outcome };
      });
    };

    // A replaced file keeps its id (and its first creation time); only new ones are taken back.
    const madeFile = (item: ItemRow) => {
      if (item.created_at === item.updated_at) made.push(item.id);
    };

    for await (const part of parts) {
      checkPart(part);
      const index = count++;
      try {
        const segments = part.path.split('/').filter((s) => s !== '');
        const names = segments.map((segment) => {
          const check = checkName(segment);
          if (!check.ok) throw badRequest(`"${part.path}": ${check.reason}`);
          return check.name;
        });
        if (names.length === 0) throw badRequest('A file in the batch has no name');
        const name = names.pop()!;
        const parentId = await this.folderFor(user, folders, names, made);
        const target = { parentId, name, conflict, mimeType: resolveMimeType(name, part.mimeType) };
        const parent = await this.files.checkTarget(user, target);

        const iterator = part.content[Symbol.asyncIterator]();
        const head: Buffer[] = [];
        let headBytes = 0;
        let ended = false;
        while (headBytes <= PACKED_FILE_MAX) {
          const next = await iterator.next();
          if (next.done) {
            ended = true;
            break;
          }
          head.push(next.value);
          headBytes += next.value.length;
        }
        if (!ended) {
          const rest = { [Symbol.asyncIterator]: () => iterator };
          const item = await this.files.upload(user, target, chain(head, rest));
          madeFile(item);
          results[index] = { path: part.path, item };
          continue;
        }
        const bytes = Buffer.concat(head, headBytes);
        target.mimeType = await refineByContent(target.mimeType, bytes.subarray(0, SNIFF_BYTES));
        const file = this.packs.seal(user, parent.owner_id, target, bytes);
        const footprint = packFootprint(file.sealed.length);
        if (pendingBytes + footprint > capacity) await flush();
        pending.push({ file, index, path: part.path });
        pendingBytes += footprint;
      } catch (err) {
        // A full quota fails the whole batch, like any limit: nothing of it is kept.
        if (!(err instanceof AppError) || err.code === 'quota_exceeded') throw err;
        results[index] = { path: part.path, error: err };
        // The rest of this file's bytes are read and dropped, so the next part can be read.
        for await (const _ of part.content) {
          // draining
        }
      }
    }
    await flush();
    return results;
  }

  /** The folder a path's parent segments name, created as needed; cached for the rest of the batch. */
  private async folderFor(
    user: UserRow,
    folders: Map<string, string>,
    names: string[],
    made: string[],
  ): Promise<string> {
    let id = folders.get('')!;
    for (let i = 0; i < names.length; i++) {
      const key = names
        .slice(0, i + 1)
        .map(nameKey)
        .join('/');
      const known = folders.get(key);
      if (known) {
        id = known;
        continue;
      }
      const { folder, created } = await this.items.ensureFolder(user, id, names[i]!);
      if (created) made.push(folder.id);
      id = folder.id;
      folders.set(key, id);
    }
    return id;
  }
}

async function* chain(head: Buffer[], rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}
