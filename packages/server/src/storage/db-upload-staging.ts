import type { Repositories } from '../repositories/repositories.js';
import { openRecords, sealRecord } from './staging-records.js';
import type { UploadStaging } from './upload-staging.js';

/**
 * Staging in the shared database, for cluster mode: the same sealed records, one row each, so an
 * upload begun on one instance continues on any other, even after the first one died. A row is
 * written whole or not at all, so there is no torn record to cut off.
 */
export class DbUploadStaging implements UploadStaging {
  constructor(private readonly repos: Repositories) {}

  async load(uploadId: string, key: Buffer, baseOffset: number): Promise<Buffer> {
    const records = await this.repos.stagedTails.records(uploadId);
    const opened = openRecords(uploadId, key, baseOffset, Buffer.concat(records));
    if (opened.stale) await this.remove(uploadId);
    return opened.plain;
  }

  async append(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void> {
    const record = sealRecord(uploadId, key, offset, data);
    if (data.length > 0) await this.repos.stagedTails.add(uploadId, offset, record);
  }

  async replace(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void> {
    const record = sealRecord(uploadId, key, offset, data);
    await this.repos.transaction(async (r) => {
      await r.stagedTails.remove(uploadId);
      if (data.length > 0) await r.stagedTails.add(uploadId, offset, record);
    });
  }

  async remove(uploadId: string): Promise<void> {
    await this.repos.stagedTails.remove(uploadId);
  }
}
