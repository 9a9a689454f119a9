import type { Insertable, Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { ShareRow, SharesTable, ShareVisitRow, ShareVisitsTable } from '../db/schema.js';

/** Share links and the visits they receive. */
export class ShareRepository {
  constructor(private readonly db: Db | Tx) {}

  async insert(row: Insertable<SharesTable>): Promise<void> {
    await this.db.insertInto('shares').values(row).execute();
  }

  findOwned(ownerId: string, id: string): Promise<ShareRow | undefined> {
    return this.db
      .selectFrom('shares')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
  }

  findByTokenHash(tokenHash: string): Promise<ShareRow | undefined> {
    return this.db.selectFrom('shares').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** The owner's links, newest first; only those of one item when `itemId` is given. */
  listOwned(ownerId: string, itemId?: string): Promise<ShareRow[]> {
    let query = this.db.selectFrom('shares').selectAll().where('owner_id', '=', ownerId);
    if (itemId) query = query.where('item_id', '=', itemId);
    return query.orderBy('created_at', 'desc').orderBy('id').execute();
  }

  async update(id: string, changes: Updateable<SharesTable>): Promise<void> {
    await this.db.updateTable('shares').set(changes).where('id', '=', id).execute();
  }

  /**
   * Counts one download, unless the limit is reached; says whether it was counted. One statement,
   * so two visitors racing for the last download cannot both get it.
   */
  async countDownload(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('shares')
      .set((eb) => ({ downloads: eb('downloads', '+', 1) }))
      .where('id', '=', id)
      .where((eb) => eb.or([eb('max_downloads', 'is', null), eb('downloads', '<', eb.ref('max_downloads'))]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async addVisit(row: Insertable<ShareVisitsTable>): Promise<void> {
    await this.db.insertInto('share_visits').values(row).execute();
  }

  visits(shareId: string, limit: number, offset: number): Promise<ShareVisitRow[]> {
    return this.db
      .selectFrom('share_visits')
      .selectAll()
      .where('share_id', '=', shareId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async countVisits(shareId: string): Promise<number> {
    const row = await this.db
      .selectFrom('share_visits')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('share_id', '=', shareId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
