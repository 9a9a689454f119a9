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

  /** How many copies of every stored object the drive keeps. */
  async replicas(): Promise<number> {
    const row = await this.db.selectFrom('drive').select('replicas').executeTakeFirst();
    return row?.replicas ?? 1;
  }

  async setReplicas(replicas: number): Promise<void> {
    await this.db.updateTable('drive').set({ replicas }).execute();
  }
}
