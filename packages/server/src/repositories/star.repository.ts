import type { Db, Tx } from '../db/database.js';
import type { ItemRow } from '../db/schema.js';
import { listedFor } from './tree-sql.js';

/** Statements stay under SQLite's limit of bound parameters. */
const BATCH = 500;

export type StarredRow = ItemRow & { starred_at: number };

/** Which items each user starred, and when. */
export class StarRepository {
  constructor(private readonly db: Db | Tx) {}

  /** Stars the items; one starred already keeps the time it was first starred. */
  async add(userId: string, itemIds: string[], at: number): Promise<void> {
    for (let i = 0; i < itemIds.length; i += BATCH) {
      const rows = itemIds
        .slice(i, i + BATCH)
        .map((item_id) => ({ user_id: userId, item_id, starred_at: at }));
      await this.db
        .insertInto('item_stars')
        .values(rows)
        .onConflict((oc) => oc.columns(['user_id', 'item_id']).doNothing())
        .execute();
    }
  }

  async remove(userId: string, itemIds: string[]): Promise<void> {
    for (let i = 0; i < itemIds.length; i += BATCH) {
      await this.db
        .deleteFrom('item_stars')
        .where('user_id', '=', userId)
        .where('item_id', 'in', itemIds.slice(i, i + BATCH))
        .execute();
    }
  }

  /** Of these items, those the user starred. */
  async among(userId: string, itemIds: string[]): Promise<Set<string>> {
    const starred = new Set<string>();
    for (let i = 0; i < itemIds.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('item_stars')
        .select('item_id')
        .where('user_id', '=', userId)
        .where('item_id', 'in', itemIds.slice(i, i + BATCH))
        .execute();
      for (const row of rows) starred.add(row.item_id);
    }
    return starred;
  }

  /** A page of the items the user starred that the list shows (see `listedFor`), newest star first. */
  page(
    userId: string,
    shared: boolean,
    closedFolderIds: string[],
    offset: number,
    limit: number,
  ): Promise<StarredRow[]> {
    return this.listed(userId, shared, closedFolderIds)
      .selectAll('items')
      .select('item_stars.starred_at')
      .orderBy('item_stars.starred_at', 'desc')
      .orderBy('item_stars.item_id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  count(userId: string, shared: boolean, closedFolderIds: string[]): Promise<number> {
    return this.listed(userId, shared, closedFolderIds)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  /**
   * The user's stars joined to the items the list shows. The cross join makes SQLite walk the stars
   * and look each item up, never the other way round: without statistics it might start from the
   * owner's items instead, all million of them.
   */
  private listed(userId: string, shared: boolean, closedFolderIds: string[]) {
    return this.db
      .selectFrom('item_stars')
      .crossJoin('items')
      .whereRef('items.id', '=', 'item_stars.item_id')
      .where('item_stars.user_id', '=', userId)
      .where(listedFor(userId, shared, closedFolderIds));
  }
}
