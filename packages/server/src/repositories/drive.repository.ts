import type { Db, Tx } from '../db/database.js';

/** The drive's own record. */
export class DriveRepository {
  constructor(private readonly db: Db | Tx) {}

  /** The drive id (migration 0020 made it); a database without one is not a drive's. */
  async id(): Promise<string> {
    const row = await this.db.selectFrom('drive').select('id').executeTakeFirst();
    if (!row) throw new Error('The database has no drive id: it was not made by I Drive, or it is damaged');
    return row.id;
  }
}
