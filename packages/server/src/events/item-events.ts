import type { EventPlace, Item, ItemEvent, ShareRole } from '@idrive/shared';
import type { ItemRow } from '../db/schema.js';
import { presentItem } from '../http/presenters.js';
import type { Repositories } from '../repositories/repositories.js';
import type { EventBus, NewEvent } from './event-bus.js';
import { placeOf } from './place.js';
import { folderTopic, userTopic } from './topics.js';

type ItemEventBase = { item: Item } & EventPlace;
export type NewItemEvent = Extract<NewEvent, { type: ItemEvent['type'] }>;

/**
 * Told of each item change once it has committed, on the instance that made it: what must happen
 * once per change listens here, not on the bus, where every instance hears every event. It must not
 * throw (the change has committed) nor wait for anything. `by` is the user who made the change (the
 * owner, or someone the item is shared with), null for the drive's own work (purging the trash).
 */
export interface ItemChangeListener {
  itemChanged(event: NewItemEvent, row: ItemRow, by: string | null): void;
}

/**
 * Announces changes to items. Each call runs inside the change's transaction, where the item's place,
 * lock and shares are read as the change left them, and publishes once that transaction has
 * committed, so a change that rolls back is never announced. Besides the owner's topic and the
 * folders', an event goes to every user the item is shared with through a share on its way up.
 */
export class ItemEvents {
  constructor(
    private readonly bus: EventBus,
    private readonly listeners: readonly ItemChangeListener[] = [],
  ) {}

  /** Where an item in `parentId` is now: read before a move, to say where it came from. */
  placeOf(r: Repositories, parentId: string | null): Promise<EventPlace> {
    return placeOf(r, parentId);
  }

  created(r: Repositories, row: ItemRow, by: string | null): Promise<void> {
    return this.announce(r, row, by, (base) => ({ type: 'item.created', ...base }));
  }

  updated(r: Repositories, row: ItemRow, change: 'renamed' | 'content', by: string | null): Promise<void> {
    return this.announce(r, row, by, (base) => ({ type: 'item.updated', ...base, change }));
  }

  /** Its earlier versions changed, its content did not (one was deleted, or retention let some go). */
  versionsChanged(r: Repositories, row: ItemRow, by: string | null): Promise<void> {
    return this.announce(r, row, by, (base) => ({ type: 'item.versions', ...base }));
  }

  /** The subtree it left hears of it too. */
  moved(r: Repositories, row: ItemRow, from: EventPlace, by: string | null): Promise<void> {
    return this.announce(r, row, by, (base) => ({ type: 'item.moved', ...base, from }), from.ancestorIds);
  }

  deleted(r: Repositories, row: ItemRow, reason: 'trashed' | 'purged', by: string | null): Promise<void> {
    return this.announce(r, row, by, (base) => ({ type: 'item.deleted', ...base, reason }));
  }

  restored(r: Repositories, row: ItemRow, by: string | null): Promise<void> {
    return this.announce(r, row, by, (base) => ({ type: 'item.restored', ...base }));
  }

  copied(r: Repositories, row: ItemRow, sourceId: string, by: string | null): Promise<void> {
    return this.announce(r, row, by, (base) => ({ type: 'item.copied', ...base, sourceId }));
  }

  /** Stars are the user's own: only their sockets hear of them. */
  starred(r: Repositories, userId: string, itemIds: string[], starred: boolean): void {
    r.afterCommit(() => this.bus.publish([userTopic(userId)], { type: 'item.starred', itemIds, starred }));
  }

  /**
   * Sharing changed: `userId`'s role on the item is now `role` (null: no access). Its owner's tabs
   * and that user's hear of it; what that user's sockets pass on is checked against the shares
   * anew with every batch, so nothing more of the item reaches them once access has ended.
   */
  accessChanged(r: Repositories, item: ItemRow, userId: string, role: ShareRole | null): void {
    const topics = [userTopic(item.owner_id), userTopic(userId)];
    r.afterCommit(() => this.bus.publish(topics, { type: 'access.changed', itemId: item.id, userId, role }));
  }

  private async announce(
    r: Repositories,
    row: ItemRow,
    by: string | null,
    build: (base: ItemEventBase) => NewItemEvent,
    formerAncestorIds: string[] = [],
  ): Promise<void> {
    const place = await placeOf(r, row.parent_id);
    const locks = row.type === 'folder' ? await r.locks.lockedAmong([row.id]) : undefined;
    const event = build({ item: presentItem(row, locks), ...place });
    const folders = new Set([...place.ancestorIds, ...formerAncestorIds]);
    const grantees = await r.userShares.granteesOn([row.id, ...folders]);
    const topics = [row.owner_id, ...grantees].map(userTopic).concat([...folders].map(folderTopic));
    r.afterCommit(() => {
      this.bus.publish(topics, event);
      for (const listener of this.listeners) listener.itemChanged(event, row, by);
    });
  }
}
