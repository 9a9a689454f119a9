import type { Db, Tx } from '../db/database.js';
import type { AppPasswordRow } from '../db/schema.js';

export class AppPasswordRepository {
  constructor(private readonly db: Db | Tx) {}

  async insert(row: AppPasswordRow): Promise<void> {
    await this.db.insertInto('app_passwords').values(row).execute();
  }

  findBySecretHash(secretHash: string): Promise<AppPasswordRow | undefined> {
    return this.db
      .selectFrom('app_passwords')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
  }

  listForUser(userId: string): Promise<AppPasswordRow[]> {
    return this.db
      .selectFrom('app_passwords')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db.updateTable('app_passwords').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /** Deletes one of the user's app passwords; false when there was none with that id. */
  async deleteForUser(userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('app_passwords')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
