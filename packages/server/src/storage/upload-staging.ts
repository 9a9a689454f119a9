import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, isErrnoCode, syncDir, writeFileAtomic } from './durable-fs.js';
import { openRecords, sealRecord } from './staging-records.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tail of a resumable upload that does not fill a chunk yet, kept encrypted (staging-records.ts)
 * so the offset a client was told survives a dropped connection and a server restart.
 */
export interface UploadStaging {
  /**
   * The staged plaintext continuing exactly from `baseOffset` (the end of the last stored chunk).
   * Staging that starts before `baseOffset` is stale (those bytes are in a stored chunk now) and is
   * deleted; a record that fails authentication throws IntegrityError.
   */
  load(uploadId: string, key: Buffer, baseOffset: number): Promise<Buffer>;
  /** Adds `data` (the bytes at file offset `offset`) as one record, durably before resolving. */
  append(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void>;
  /** Atomically replaces the upload's staging with one record of `data` at `offset`; empty data removes it. */
  replace(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void>;
  /** Deletes the upload's staging; none is fine. */
  remove(uploadId: string): Promise<void>;
}

/**
 * Staging on local disk, for one instance: each upload has one file `<dir>/<uploadId>.tail` of
 * records, appended and fsynced as PATCHes end.
 */
export class DiskUploadStaging implements UploadStaging {
  constructor(private readonly dir: string) {}

  async load(uploadId: string, key: Buffer, baseOffset: number): Promise<Buffer> {
    const file = this.pathOf(uploadId);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      if (isErrnoCode(err, 'ENOENT')) return Buffer.alloc(0);
      throw err;
    }
    const opened = openRecords(uploadId, key, baseOffset, data);
    if (opened.stale) {
      await this.remove(uploadId);
    } else if (opened.end < data.length) {
      // A crash mid-append leaves a partial record; it was never acknowledged, so it is cut off, and
      // the next append starts on a record boundary again.
      const handle = await open(file, 'r+');
      try {
        await handle.truncate(opened.end);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    return opened.plain;
  }

  async append(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void> {
    const file = this.pathOf(uploadId);
    const record = sealRecord(uploadId, key, offset, data);
    if (data.length === 0) return;
    await ensureDir(this.dir);
    let handle: FileHandle;
    let created = true;
    try {
      handle = await open(file, 'ax', 0o600);
    } catch (err) {
      if (!isErrnoCode(err, 'EEXIST')) throw err;
      handle = await open(file, 'a', 0o600);
      created = false;
    }
    try {
      await handle.writeFile(record);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await syncDir(this.dir);
  }

  async replace(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void> {
    const file = this.pathOf(uploadId);
    const record = sealRecord(uploadId, key, offset, data);
    if (data.length === 0) return this.remove(uploadId);
    await writeFileAtomic(file, record);
  }

  async remove(uploadId: string): Promise<void> {
    try {
      await unlink(this.pathOf(uploadId));
    } catch (err) {
      if (!isErrnoCode(err, 'ENOENT')) throw err;
    }
  }

  private pathOf(uploadId: string): string {
    if (!UUID.test(uploadId)) throw new Error(`Invalid upload id "${uploadId.slice(0, 80)}"`);
    return path.join(this.dir, `${uploadId.toLowerCase()}.tail`);
  }
}
