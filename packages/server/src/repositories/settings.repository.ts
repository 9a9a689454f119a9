import type { Db, Tx } from '../db/database.js';
import type { SettingsTable } from '../db/schema.js';

/** The drive's settings: one row, made by migration 0022. */
export class SettingsRepository {
  constructor(private readonly db: Db | Tx) {}

  get(): Promise<SettingsTable> {
    return this.db.selectFrom('settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  }

  async update(changes: Partial<Omit<SettingsTable, 'id'>>): Promise<void> {
    await this.db.updateTable('settings').set(changes).where('id', '=', 1).execute();
  }
}
