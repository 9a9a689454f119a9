import { sql } from 'kysely';
import type { ShareRole } from '@idrive/shared';
import type { Db, Tx } from '../db/database.js';
import type { ItemRow, UserShareRow } from '../db/schema.js';
import { outsideFolders } from './tree-sql.js';

/** Statements stay under SQLite's limit of bound parameters. */
const BATCH = 500;

/** A user's grant on one of the items on a chain: which, as what, and how far above the start it is. */
export interface ChainGrant {
  item_id: string;
  role: ShareRole;
  /** 0 for the item itself, 1 for its folder, and so on up. */
  depth: number;
}

/** One user an item is shared with, with the names an owner's list shows. */
export type AccessRow = UserShareRow & { grantee_name: string; granter_name: string | null };

/** An item shared with a user, as Shared with me lists it. */
export type SharedWithRow = ItemRow & { role: ShareRole; granted_at: number };

/** Items shared between users of the drive (`user_shares`), one row per item and user. */
export class UserShareRepository {
  constructor(private readonly db: Db | Tx) {}

  /** Shares the item with the user, or changes their role (the first grant's time and granter stay). */
  async grant(row: UserShareRow): Promise<void> {
    await this.db
      .insertInto('user_shares')
      .values(row)
      .onConflict((oc) => oc.columns(['item_id', 'grantee_id']).doUpdateSet({ role: row.role }))
      .execute();
  }

  /** Ends the user's access to the item; whether there was any. */
  async revoke(itemId: string, granteeId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('user_shares')
      .where('item_id', '=', itemId)
      .where('grantee_id', '=', granteeId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  find(itemId: string, granteeId: string): Promise<UserShareRow | undefined> {
    return this.db
      .selectFrom('user_shares')
      .selectAll()
      .where('item_id', '=', itemId)
      .where('grantee_id', '=', granteeId)
      .executeTakeFirst();
  }

  /** Who the item itself is shared with, in the order they were added. */
  listForItem(itemId: string): Promise<AccessRow[]> {
    return this.db
      .selectFrom('user_shares')
      .innerJoin('users as grantee', 'grantee.id', 'user_shares.grantee_id')
      .leftJoin('users as granter', 'granter.id', 'user_shares.granted_by')
      .selectAll('user_shares')
      .select(['grantee.username as grantee_name', 'granter.username as granter_name'])
      .where('user_shares.item_id', '=', itemId)
      .orderBy('user_shares.granted_at')
      .orderBy('grantee.username_key')
      .execute();
  }

  /** The user's grants on the item and on every folder above it, nearest first. */
  async chain(userId: string, itemId: string): Promise<ChainGrant[]> {
    const { rows } = await sql<ChainGrant>`
      with recursive chain(id, parent_id, depth) as (
        select id, parent_id, 0 from items where id = ${itemId}
        union all
        select items.id, items.parent_id, chain.depth + 1 from items join chain on items.id = chain.parent_id
      )
      select user_shares.item_id, user_shares.role, chain.depth
      from chain join user_shares on user_shares.item_id = chain.id and user_shares.grantee_id = ${userId}
      order by chain.depth`.execute(this.db);
    return rows.map((r) => ({ ...r, depth: Number(r.depth) }));
  }

  /**
   * For each of these items, the role of the user's nearest grant on it or above it (items without
   * one are left out): what each of a list of another user's items is to them.
   */
  async nearestRoles(userId: string, itemIds: string[]): Promise<Map<string, ShareRole>> {
    const roles = new Map<string, ShareRole>();
    for (let i = 0; i < itemIds.length; i += BATCH) {
      const { rows } = await sql<{ start_id: string; role: ShareRole; depth: number }>`
        with recursive chain(start_id, id, parent_id, depth) as (
          select id, id, parent_id, 0 from items where id in (${sql.join(itemIds.slice(i, i + BATCH))})
          union all
          select chain.start_id, items.id, items.parent_id, chain.depth + 1
          from items join chain on items.id = chain.parent_id
        )
        select chain.start_id, user_shares.role, chain.depth
        from chain join user_shares on user_shares.item_id = chain.id and user_shares.grantee_id = ${userId}
        order by chain.start_id, chain.depth desc`.execute(this.db);
      // Deepest first within each start, so the nearest is written last.
      for (const row of rows) roles.set(row.start_id, row.role);
    }
    return roles;
  }

  /** Of these items, those shared with the user themselves, and as what. */
  async rolesAmong(userId: string, itemIds: string[]): Promise<Map<string, ShareRole>> {
    const roles = new Map<string, ShareRole>();
    for (let i = 0; i < itemIds.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('user_shares')
        .select(['item_id', 'role'])
        .where('grantee_id', '=', userId)
        .where('item_id', 'in', itemIds.slice(i, i + BATCH))
        .execute();
      for (const row of rows) roles.set(row.item_id, row.role);
    }
    return roles;
  }

  /** Every item shared with the user, whatever its state: where their view of other drives starts. */
  async rootIds(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('user_shares')
      .select('item_id')
      .where('grantee_id', '=', userId)
      .execute();
    return rows.map((r) => r.item_id);
  }

  /** Whether anything is shared with the user (when nothing is, lists need not look beyond their own). */
  async anyFor(userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('user_shares')
      .select('item_id')
      .where('grantee_id', '=', userId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The users with a grant on any of these items (an item's chain): who hears of a change to it. */
  async granteesOn(itemIds: string[]): Promise<string[]> {
    const grantees = new Set<string>();
    for (let i = 0; i < itemIds.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('user_shares')
        .select('grantee_id')
        .distinct()
        .where('item_id', 'in', itemIds.slice(i, i + BATCH))
        .execute();
      for (const row of rows) grantees.add(row.grantee_id);
    }
    return [...grantees];
  }

  /** A page of the live items shared with the user, newest grant first, less those inside `closed`. */
  pageSharedWith(
    userId: string,
    closedFolderIds: string[],
    offset: number,
    limit: number,
  ): Promise<SharedWithRow[]> {
    return this.sharedWith(userId, closedFolderIds)
      .selectAll('items')
      .select(['user_shares.role', 'user_shares.granted_at'])
      .orderBy('user_shares.granted_at', 'desc')
      .orderBy('user_shares.item_id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  countSharedWith(userId: string, closedFolderIds: string[]): Promise<number> {
    return this.sharedWith(userId, closedFolderIds)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  /** The user's grants joined to their items (the cross join walks the grants: see StarRepository). */
  private sharedWith(userId: string, closedFolderIds: string[]) {
    return this.db
      .selectFrom('user_shares')
      .crossJoin('items')
      .whereRef('items.id', '=', 'user_shares.item_id')
      .where('user_shares.grantee_id', '=', userId)
      .where('items.trashed_at', 'is', null)
      .where(outsideFolders(sql.ref('items.parent_id'), closedFolderIds));
  }
}
