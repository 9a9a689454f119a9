import type { Db, Tx } from '../db/database.js';

/** The sealed records of resumable uploads' staged tails (cluster mode), in file order. */
export class StagedTailRepository {
  constructor(private readonly db: Db | Tx) {}

  async records(uploadId: string): Promise<Buffer[]> {
    const rows = await this.db
      .selectFrom('staged_tails')
      .select('record')
      .where('upload_id', '=', uploadId)
      .orderBy('offset')
      .execute();
    return rows.map((row) => row.record);
  }

  async add(uploadId: string, offset: number, record: Buffer): Promise<void> {
    await this.db.insertInto('staged_tails').values({ upload_id: uploadId, offset, record }).execute();
  }

  async remove(uploadId: string): Promise<void> {
    await this.db.deleteFrom('staged_tails').where('upload_id', '=', uploadId).execute();
  }
}
