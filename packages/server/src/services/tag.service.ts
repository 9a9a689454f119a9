import { randomUUID } from 'node:crypto';
import {
  nameKey,
  TAG_DEFAULT_COLOR,
  type ChangeItemTagsBody,
  type CreateTagBody,
  type UpdateTagBody,
} from '@idrive/shared';
import type { TagRow, UserRow } from '../db/schema.js';
import { AppError, badRequest, notFound } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { ItemService } from './item.service.js';

const tagNameTaken = (name: string) =>
  new AppError(409, 'name_conflict', `A tag named "${name}" already exists`, { name });

/** A user's own tags: create, rename, recolour, delete, and put on or take off files and folders. */
export class TagService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
  ) {}

  /**
   * Counts leave out what the user may no longer see (an item no longer shared with them) and what
   * lies inside the folders in `closed` (locked ones this session has not opened).
   */
  list(user: UserRow, closed: ReadonlySet<string>): Promise<Array<TagRow & { items: number }>> {
    return this.repos.tags.listWithCounts(user.id, undefined, [...closed]);
  }

  async create(user: UserRow, body: CreateTagBody): Promise<TagRow & { items: number }> {
    return this.repos.transaction(async (r) => {
      // One user's tag changes wait for each other, so two creations cannot both find the name free.
      await r.users.lockTree(user.id);
      if (await r.tags.findByNameKey(user.id, nameKey(body.name))) throw tagNameTaken(body.name);
      const row: TagRow = {
        id: randomUUID(),
        owner_id: user.id,
        name: body.name,
        name_key: nameKey(body.name),
        color: body.color ?? TAG_DEFAULT_COLOR,
        created_at: Date.now(),
      };
      await r.tags.insert(row);
      return { ...row, items: 0 };
    });
  }

  async update(user: UserRow, id: string, body: UpdateTagBody): Promise<TagRow & { items: number }> {
    return this.repos.transaction(async (r) => {
      await r.users.lockTree(user.id);
      const tag = await this.owned(user, id, r);
      if (body.name !== undefined) {
        const clash = await r.tags.findByNameKey(user.id, nameKey(body.name));
        if (clash && clash.id !== tag.id) throw tagNameTaken(body.name);
      }
      await r.tags.update(tag.id, {
        ...(body.name !== undefined ? { name: body.name, name_key: nameKey(body.name) } : {}),
        ...(body.color !== undefined ? { color: body.color } : {}),
      });
      return (await r.tags.listWithCounts(user.id, tag.id))[0]!;
    });
  }

  async remove(user: UserRow, id: string): Promise<void> {
    await this.repos.transaction(async (r) => {
      await r.tags.delete((await this.owned(user, id, r)).id);
    });
  }

  /**
   * Adds and removes tags on many items in one go: the user's own tags, on items they may see (a
   * tag is their own label, as a star is). Every id is checked first: another user's tag or an item
   * they cannot see (or one that does not exist) is a 404 and nothing changes.
   */
  async change(user: UserRow, body: ChangeItemTagsBody): Promise<void> {
    await this.repos.transaction(async (r) => {
      const itemIds = [...new Set(body.ids)];
      for (const id of itemIds) {
        const item = await this.items.get(user, id, r);
        if (item.parent_id === null) throw badRequest('The root folder cannot be tagged');
      }
      const add = await this.ownedMany(user, body.add, r);
      const remove = await this.ownedMany(user, body.remove, r);
      await r.tags.tagItems(itemIds, add);
      await r.tags.untagItems(itemIds, remove);
    });
  }

  /** The user's tags on each of these items. */
  tagsOf(user: UserRow, itemIds: string[]): Promise<Map<string, TagRow[]>> {
    return this.repos.tags.tagsOf(user.id, itemIds);
  }

  /** The user's tags on one item, for its details. */
  async tagsOfItem(user: UserRow, itemId: string): Promise<TagRow[]> {
    return (await this.tagsOf(user, [itemId])).get(itemId) ?? [];
  }

  /** The user's tags among these ids (all of them, or 404): for filtering a search by tags. */
  async ownedMany(user: UserRow, ids: string[], r: Repositories = this.repos): Promise<string[]> {
    const unique = [...new Set(ids)];
    const found = await r.tags.findManyOwned(user.id, unique);
    if (found.length !== unique.length) throw notFound('Tag');
    return unique;
  }

  private async owned(user: UserRow, id: string, r: Repositories): Promise<TagRow> {
    const tag = await r.tags.findOwned(user.id, id);
    if (!tag) throw notFound('Tag');
    return tag;
  }
}
