import type { PageQuery } from '@idrive/shared';
import type { ItemRow, UserRow } from '../db/schema.js';
import type { ItemEvents } from '../events/item-events.js';
import { badRequest, conflict } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { StarredRow } from '../repositories/star.repository.js';
import type { ItemService } from './item.service.js';

/**
 * Each user's stars on files and folders they can see. Whether a user may star an item is whether
 * `ItemService.get` finds it for them, the check every item route makes, so items shared with them
 * can be starred too; a star stays when the share ends, and is only left out of Starred meanwhile.
 */
export class StarService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly events: ItemEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stars the items, all or none: the root, one in the trash or one the user cannot see refuses the lot. */
  async star(user: UserRow, ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    await this.repos.transaction(async (r) => {
      for (const id of unique) {
        const item = await this.items.get(user, id, r);
        if (item.parent_id === null) throw badRequest('The root folder cannot be starred');
        if (item.trashed_at !== null) throw conflict(`"${item.name}" is in the trash; restore it first`);
      }
      await r.stars.add(user.id, unique, this.now());
      this.events.starred(r, user.id, unique, true);
    });
  }

  /** Takes the stars off, all or none; a trashed item's star may go too (it is only hidden meanwhile). */
  async unstar(user: UserRow, ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    await this.repos.transaction(async (r) => {
      for (const id of unique) await this.items.get(user, id, r);
      await r.stars.remove(user.id, unique);
      this.events.starred(r, user.id, unique, false);
    });
  }

  /** Which of these rows the user starred (to mark them in a listing). */
  among(user: UserRow, rows: ItemRow[]): Promise<Set<string>> {
    return this.repos.stars.among(
      user.id,
      rows.map((row) => row.id),
    );
  }

  /**
   * The user's starred items, newest star first, less those in the trash and those inside `closed`
   * (locked folders the session has not opened: see docs/decisions.md).
   */
  async list(
    user: UserRow,
    page: PageQuery,
    closed: ReadonlySet<string>,
  ): Promise<{ rows: StarredRow[]; total: number }> {
    const shared = await this.repos.userShares.anyFor(user.id);
    const [rows, total] = await Promise.all([
      this.repos.stars.page(user.id, shared, [...closed], page.offset, page.limit),
      this.repos.stars.count(user.id, shared, [...closed]),
    ]);
    return { rows, total };
  }
}
