import type { Db, Tx } from '../db/database.js';
import type { DavLockRow, DavPropertyRow } from '../db/schema.js';

const BATCH = 500;

/** WebDAV locks on paths and the dead properties clients keep on items. */
export class DavRepository {
  constructor(private readonly db: Db | Tx) {}

  /** A user's locks that have not run out. */
  liveLocks(userId: string, now: number): Promise<DavLockRow[]> {
    return this.db
      .selectFrom('dav_locks')
      .selectAll()
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .execute();
  }

  async insertLock(row: DavLockRow): Promise<void> {
    await this.db.insertInto('dav_locks').values(row).execute();
  }

  async refreshLock(token: string, timeoutSeconds: number, expiresAt: number): Promise<void> {
    await this.db
      .updateTable('dav_locks')
      .set({ timeout_seconds: timeoutSeconds, expires_at: expiresAt })
      .where('token', '=', token)
      .execute();
  }

  async deleteLock(token: string): Promise<void> {
    await this.db.deleteFrom('dav_locks').where('token', '=', token).execute();
  }

  /** Locks that ran out are only dead rows: dropped whenever a user's locks change. */
  async deleteExpired(userId: string, now: number): Promise<void> {
    await this.db
      .deleteFrom('dav_locks')
      .where('user_id', '=', userId)
      .where('expires_at', '<=', now)
      .execute();
  }

  propertiesOf(itemIds: readonly string[]): Promise<DavPropertyRow[]> {
    if (itemIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('dav_properties').selectAll().where('item_id', 'in', itemIds).execute();
  }

  async setProperty(row: DavPropertyRow): Promise<void> {
    await this.db
      .insertInto('dav_properties')
      .values(row)
      .onConflict((oc) => oc.columns(['item_id', 'namespace', 'name']).doUpdateSet({ value: row.value }))
      .execute();
  }

  async removeProperty(itemId: string, namespace: string, name: string): Promise<void> {
    await this.db
      .deleteFrom('dav_properties')
      .where('item_id', '=', itemId)
      .where('namespace', '=', namespace)
      .where('name', '=', name)
      .execute();
  }

  /** Gives copies (new id by original id) the originals' properties. */
  async copyProperties(copies: Map<string, string>): Promise<void> {
    const sources = [...copies.keys()];
    for (let i = 0; i < sources.length; i += BATCH) {
      const rows = await this.propertiesOf(sources.slice(i, i + BATCH));
      for (let j = 0; j < rows.length; j += BATCH) {
        await this.db
          .insertInto('dav_properties')
          .values(rows.slice(j, j + BATCH).map((r) => ({ ...r, item_id: copies.get(r.item_id)! })))
          .execute();
      }
    }
  }
}
