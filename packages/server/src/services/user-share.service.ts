import type { PageQuery, ShareRole } from '@idrive/shared';
import type { ItemRow, UserRow } from '../db/schema.js';
import type { ItemEvents } from '../events/item-events.js';
import { badRequest, conflict, notFound } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { AccessRow, SharedWithRow } from '../repositories/user-share.repository.js';
import type { ItemService } from './item.service.js';

/** Who has access to an item, as its owner sees it. */
export interface People {
  item: ItemRow;
  owner: UserRow;
  entries: AccessRow[];
}

/**
 * Sharing items between users of the drive: an owner gives another user a role on a file or folder
 * (and so on everything inside it), changes it, or ends it; the other user lists what is shared with
 * them. What the role lets them do is the access service's rule. Each change publishes
 * `access.changed` once it has committed, to both users' sockets.
 */
export class UserShareService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly events: ItemEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** The item's owner and everyone it is shared with (only its owner may ask). */
  async people(user: UserRow, itemId: string): Promise<People> {
    const item = await this.items.owned(user, itemId);
    return { item, owner: user, entries: await this.repos.userShares.listForItem(item.id) };
  }

  /** Shares the item with `granteeId` as `role`, or changes the role they have. */
  async grant(user: UserRow, itemId: string, granteeId: string, role: ShareRole): Promise<People> {
    await this.repos.transaction(async (r) => {
      const item = await this.items.owned(user, itemId, r);
      if (item.parent_id === null) throw badRequest('The root folder cannot be shared; share what is in it');
      if (item.trashed_at !== null) throw conflict(`"${item.name}" is in the trash; restore it first`);
      if (granteeId === user.id) throw badRequest('This is your own item already');
      const grantee = await r.users.findById(granteeId);
      // A disabled account is not offered by the lookup either: to the owner it is not there.
      if (!grantee || grantee.disabled) throw notFound('User');
      const before = await r.userShares.find(item.id, grantee.id);
      if (before?.role === role) return;
      await r.userShares.grant({
        item_id: item.id,
        grantee_id: grantee.id,
        role,
        granted_by: user.id,
        granted_at: this.now(),
      });
      this.events.accessChanged(r, item, grantee.id, role);
    });
    return this.people(user, itemId);
  }

  /** Ends `granteeId`'s access to the item; their open views stop hearing of it at once. */
  async revoke(user: UserRow, itemId: string, granteeId: string): Promise<People> {
    await this.repos.transaction(async (r) => {
      const item = await this.items.owned(user, itemId, r);
      if (!(await r.userShares.revoke(item.id, granteeId))) throw notFound('Access for this user');
      this.events.accessChanged(r, item, granteeId, null);
    });
    return this.people(user, itemId);
  }

  /**
   * The live items shared with the user, newest share first, less those inside `closed` (locked
   * folders of an outer share the session has not opened).
   */
  async sharedWithMe(
    user: UserRow,
    page: PageQuery,
    closed: ReadonlySet<string>,
  ): Promise<{ rows: SharedWithRow[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.repos.userShares.pageSharedWith(user.id, [...closed], page.offset, page.limit),
      this.repos.userShares.countSharedWith(user.id, [...closed]),
    ]);
    return { rows, total };
  }

  /** Active users whose username contains `text`, for the owner to choose whom to share with. */
  lookup(user: UserRow, text: string, limit: number): Promise<Pick<UserRow, 'id' | 'username'>[]> {
    return this.repos.users.lookup(text, user.id, limit);
  }
}
