import { sql } from 'kysely';
import { foldForSearch, type ListQuery } from '@idrive/shared';
import type { Db, Tx } from '../db/database.js';
import type { ItemRow, NewItemRow } from '../db/schema.js';
import { outsideFolders } from './tree-sql.js';
import type { Updateable } from 'kysely';
import type { ItemsTable } from '../db/schema.js';

export type ListOrder = Pick<ListQuery, 'sort' | 'order' | 'offset' | 'limit'>;

export class ItemRepository {
  constructor(private readonly db: Db | Tx) {}

  findById(id: string): Promise<ItemRow | undefined> {
    return this.db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The item if it belongs to the owner; another user's id looks exactly like a missing one. */
  findOwned(ownerId: string, id: string): Promise<ItemRow | undefined> {
    return this.db
      .selectFrom('items')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
  }

  findLiveChild(parentId: string, nameKey: string): Promise<ItemRow | undefined> {
    return this.db
      .selectFrom('items')
      .selectAll()
      .where('parent_id', '=', parentId)
      .where('name_key', '=', nameKey)
      .where('trashed_at', 'is', null)
      .executeTakeFirst();
  }

  /** Name keys among the live children that start with the given prefix (for picking `name (n)`). */
  async liveChildKeysStartingWith(parentId: string, prefix: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('items')
      .select('name_key')
      .where('parent_id', '=', parentId)
      .where('trashed_at', 'is', null)
      .where('name_key', '>=', prefix)
      .where('name_key', '<', prefix + '\uffff')
      .execute();
    return new Set(rows.map((r) => r.name_key));
  }

  /**
   * The next page of a folder's live children in name order, after the name key `after`: a walk
   * through a folder of any size costs one indexed range read per page.
   */
  listChildrenAfter(parentId: string, after: string | null, limit: number): Promise<ItemRow[]> {
    let query = this.db
      .selectFrom('items')
      .selectAll()
      .where('parent_id', '=', parentId)
      .where('trashed_at', 'is', null);
    if (after !== null) query = query.where('name_key', '>', after);
    return query.orderBy('name_key').limit(limit).execute();
  }

  /** A page of a folder's live children: folders first, then the chosen order, ties by name. */
  listChildren(parentId: string, q: ListOrder): Promise<ItemRow[]> {
    // 'folder' sorts after 'file', so descending type puts folders first.
    let query = this.db
      .selectFrom('items')
      .selectAll()
      .where('parent_id', '=', parentId)
      .where('trashed_at', 'is', null)
      .orderBy('type', 'desc');
    switch (q.sort) {
      case 'name':
        break;
      case 'size':
        query = query.orderBy('size', q.order);
        break;
      case 'updated':
        query = query.orderBy('updated_at', q.order);
        break;
      case 'type':
        query = query.orderBy('mime_type', q.order);
        break;
    }
    return query.orderBy('name_key', q.order).orderBy('id').offset(q.offset).limit(q.limit).execute();
  }

  countChildren(parentId: string): Promise<number> {
    return this.db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('parent_id', '=', parentId)
      .where('trashed_at', 'is', null)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  async insert(row: NewItemRow): Promise<void> {
    await this.db.insertInto('items').values(withSearchName(row)).execute();
  }

  async insertMany(rows: NewItemRow[]): Promise<void> {
    // Stay under SQLite's limit of bound parameters per statement.
    for (let i = 0; i < rows.length; i += 500) {
      await this.db
        .insertInto('items')
        .values(rows.slice(i, i + 500).map(withSearchName))
        .execute();
    }
  }

  async update(id: string, changes: Updateable<ItemsTable>): Promise<void> {
    await this.db.updateTable('items').set(withSearchName(changes)).where('id', '=', id).execute();
  }

  /** The chain from the user's root down to the item itself. */
  async pathTo(id: string): Promise<ItemRow[]> {
    const rows = await sql<ItemRow & { depth: number }>`
      with recursive chain as (
        select items.*, 0 as depth from items where id = ${id}
        union all
        select items.*, chain.depth + 1 from items join chain on items.id = chain.parent_id
      )
      select * from chain order by depth desc`.execute(this.db);
    return rows.rows;
  }

  /** Adds `delta` to the size of a folder and of every folder above it. */
  async addSizeToChain(folderId: string, delta: number): Promise<void> {
    if (delta === 0) return;
    await sql`
      with recursive chain(id, parent_id) as (
        select id, parent_id from items where id = ${folderId}
        union all
        select items.id, items.parent_id from items join chain on items.id = chain.parent_id
      )
      update items set size = size + ${delta} where id in (select id from chain)`.execute(this.db);
  }

  /** The item and everything below it, parents before children. */
  async subtree(rootId: string): Promise<ItemRow[]> {
    const rows = await sql<ItemRow & { depth: number }>`
      with recursive sub as (
        select items.*, 0 as depth from items where id = ${rootId}
        union all
        select items.*, sub.depth + 1 from items join sub on items.parent_id = sub.id
      )
      select * from sub order by depth`.execute(this.db);
    return rows.rows;
  }

  /** Puts the item and its live descendants in the trash as one unit led by the item. */
  async markTrashed(rootId: string, at: number): Promise<void> {
    await sql`
      with recursive sub(id) as (
        select id from items where id = ${rootId}
        union all
        select items.id from items join sub on items.parent_id = sub.id where items.trashed_at is null
      )
      update items set trashed_at = ${at}, trash_root_id = ${rootId}
      where id in (select id from sub) and trashed_at is null`.execute(this.db);
    await this.db
      .updateTable('items')
      .set((eb) => ({ original_parent_id: eb.ref('parent_id') }))
      .where('id', '=', rootId)
      .execute();
  }

  /** Brings back every item that went to the trash with this trash root. */
  async unmarkTrashed(rootId: string): Promise<void> {
    await this.db
      .updateTable('items')
      .set({ trashed_at: null, trash_root_id: null, original_parent_id: null })
      .where('trash_root_id', '=', rootId)
      .execute();
  }

  /** The owner's trash, less what went to it from inside `closedFolderIds`. */
  listTrashRoots(
    ownerId: string,
    offset: number,
    limit: number,
    closedFolderIds: string[] = [],
  ): Promise<ItemRow[]> {
    return this.db
      .selectFrom('items')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .whereRef('trash_root_id', '=', 'id')
      .where(outsideFolders(sql.ref('parent_id'), closedFolderIds))
      .orderBy('trashed_at', 'desc')
      .orderBy('id')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  countTrashRoots(ownerId: string, closedFolderIds: string[] = []): Promise<number> {
    return this.db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('owner_id', '=', ownerId)
      .whereRef('trash_root_id', '=', 'id')
      .where(outsideFolders(sql.ref('parent_id'), closedFolderIds))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  /** Trash roots put in the trash before `before`, any owner (for the purge job). */
  trashRootsBefore(before: number, limit: number): Promise<ItemRow[]> {
    return this.db
      .selectFrom('items')
      .selectAll()
      .whereRef('trash_root_id', '=', 'id')
      .where('trashed_at', '<', before)
      .limit(limit)
      .execute();
  }

  /** Deletes items; their descendants go with them (the parent foreign key cascades). */
  async deleteByIds(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db
        .deleteFrom('items')
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
    }
  }

  /**
   * Of the given versions, those that no item refers to any more, as its content or among its
   * earlier versions (copies share versions, so one may be in several files' histories).
   */
  async unreferencedVersions(versionIds: string[]): Promise<string[]> {
    if (versionIds.length === 0) return [];
    const used = new Set<string>();
    for (let i = 0; i < versionIds.length; i += 500) {
      const batch = versionIds.slice(i, i + 500);
      const rows = await this.db
        .selectFrom('items')
        .select('version_id')
        .where('version_id', 'in', batch)
        .union(this.db.selectFrom('version_history').select('version_id').where('version_id', 'in', batch))
        .execute();
      for (const r of rows) if (r.version_id) used.add(r.version_id);
    }
    return versionIds.filter((v) => !used.has(v));
  }

  async deleteForOwner(ownerId: string): Promise<void> {
    await this.db.deleteFrom('items').where('owner_id', '=', ownerId).execute();
  }
}

/**
 * Every write that sets a name sets the search form with it, so the search index can never miss a
 * rename, however the name was changed.
 */
function withSearchName<T extends { name?: string; search_name?: string }>(row: T): T {
  return row.name === undefined ? row : { ...row, search_name: foldForSearch(row.name) };
}
