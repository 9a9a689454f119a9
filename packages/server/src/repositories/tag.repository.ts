import { sql, type Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { TagRow, TagsTable } from '../db/schema.js';
import { outsideFolders, visibleTo } from './tree-sql.js';

/** Statements stay under SQLite's limit of bound parameters. */
const BATCH = 400;

/** Tags and which items carry them. */
export class TagRepository {
  constructor(private readonly db: Db | Tx) {}

  /** The tag if it is the owner's; another user's id looks exactly like a missing one. */
  findOwned(ownerId: string, id: string): Promise<TagRow | undefined> {
    return this.db
      .selectFrom('tags')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
  }

  /** Of these ids, the owner's tags. */
  findManyOwned(ownerId: string, ids: string[]): Promise<TagRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('tags')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('id', 'in', ids)
      .execute();
  }

  findByNameKey(ownerId: string, nameKey: string): Promise<TagRow | undefined> {
    return this.db
      .selectFrom('tags')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('name_key', '=', nameKey)
      .executeTakeFirst();
  }

  /**
   * The owner's tags (or the one with `id`) by name, each with how many live items they may see
   * carry it, not counting items inside `closedFolderIds`.
   */
  listWithCounts(
    ownerId: string,
    id?: string,
    closedFolderIds: string[] = [],
  ): Promise<Array<TagRow & { items: number }>> {
    return this.db
      .selectFrom('tags')
      .leftJoin('item_tags', 'item_tags.tag_id', 'tags.id')
      .leftJoin('items', (join) =>
        join
          .onRef('items.id', '=', 'item_tags.item_id')
          .on('items.trashed_at', 'is', null)
          .on(visibleTo(ownerId, true))
          .on(outsideFolders(sql.ref('items.parent_id'), closedFolderIds)),
      )
      .selectAll('tags')
      .select((eb) => eb.fn.count<number>('items.id').as('items'))
      .where('tags.owner_id', '=', ownerId)
      .$if(id !== undefined, (q) => q.where('tags.id', '=', id!))
      .groupBy(['tags.id', 'tags.owner_id', 'tags.name', 'tags.name_key', 'tags.color', 'tags.created_at'])
      .orderBy('tags.name_key')
      .execute()
      .then((rows) => rows.map((r) => ({ ...r, items: Number(r.items) })));
  }

  async insert(row: TagRow): Promise<void> {
    await this.db.insertInto('tags').values(row).execute();
  }

  async update(id: string, changes: Updateable<TagsTable>): Promise<void> {
    await this.db.updateTable('tags').set(changes).where('id', '=', id).execute();
  }

  /** Deletes a tag; it comes off every item with it (the foreign key cascades). */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('tags').where('id', '=', id).execute();
  }

  /** Puts each tag on each item; pairs already there stay as they are. */
  async tagItems(itemIds: string[], tagIds: string[]): Promise<void> {
    const pairs = itemIds.flatMap((item_id) => tagIds.map((tag_id) => ({ item_id, tag_id })));
    for (let i = 0; i < pairs.length; i += BATCH) {
      await this.db
        .insertInto('item_tags')
        .values(pairs.slice(i, i + BATCH))
        .onConflict((oc) => oc.columns(['item_id', 'tag_id']).doNothing())
        .execute();
    }
  }

  async untagItems(itemIds: string[], tagIds: string[]): Promise<void> {
    if (tagIds.length === 0) return;
    for (let i = 0; i < itemIds.length; i += BATCH) {
      await this.db
        .deleteFrom('item_tags')
        .where('item_id', 'in', itemIds.slice(i, i + BATCH))
        .where('tag_id', 'in', tagIds)
        .execute();
    }
  }

  /** The user's tags on each of these items, by name (other users' tags on a shared item are theirs). */
  async tagsOf(ownerId: string, itemIds: string[]): Promise<Map<string, TagRow[]>> {
    const byItem = new Map<string, TagRow[]>();
    for (let i = 0; i < itemIds.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('item_tags')
        .innerJoin('tags', 'tags.id', 'item_tags.tag_id')
        .selectAll('tags')
        .select('item_tags.item_id')
        .where('tags.owner_id', '=', ownerId)
        .where('item_tags.item_id', 'in', itemIds.slice(i, i + BATCH))
        .orderBy('tags.name_key')
        .execute();
      for (const { item_id, ...tag } of rows) byItem.set(item_id, [...(byItem.get(item_id) ?? []), tag]);
    }
    return byItem;
  }

  /** Gives copies the tags these users had on the items they were copied from (old id → new id). */
  async copyTags(copies: Map<string, string>, ownerIds: string[]): Promise<void> {
    const sources = [...copies.keys()];
    for (let i = 0; i < sources.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('item_tags')
        .innerJoin('tags', 'tags.id', 'item_tags.tag_id')
        .select(['item_tags.item_id', 'item_tags.tag_id'])
        .where('tags.owner_id', 'in', ownerIds)
        .where('item_tags.item_id', 'in', sources.slice(i, i + BATCH))
        .execute();
      for (let j = 0; j < rows.length; j += BATCH) {
        await this.db
          .insertInto('item_tags')
          .values(
            rows.slice(j, j + BATCH).map((r) => ({ item_id: copies.get(r.item_id)!, tag_id: r.tag_id })),
          )
          .execute();
      }
    }
  }
}
