import { randomUUID } from 'node:crypto';
import { nameKey, numberedName, type ListQuery } from '@idrive/shared';
import type { ItemRow, NewItemRow, UserRow } from '../db/schema.js';
import type { ItemEvents } from '../events/item-events.js';
import { badRequest, conflict, forbidden, nameConflict, notFound } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { Access, AccessService, Need } from './access.service.js';
import type { QuotaService } from './quota.service.js';

const DAY_MS = 86_400_000;

export interface FolderListing {
  folder: ItemRow;
  /** From the root (or the item shared with the user) down to the folder. */
  path: ItemRow[];
  items: ItemRow[];
  total: number;
  /** What the user is to the folder, and so to its children (unless one is shared with them itself). */
  access: Access;
}

/**
 * The folder tree: create, list, rename, move, copy, trash, restore and purge. Every change that
 * touches more than one row runs in one transaction, and folder sizes and the owner's used bytes
 * are adjusted in that same transaction, so they are always right without a scan. Who may do what
 * is the access service's answer; items made in a folder shared with the user are its owner's. The trash
 * counts against the quota (its files are still stored), so trashing frees nothing and a restore
 * from the trash adds nothing; only a purge gives bytes back.
 */
export class ItemService {
  constructor(
    private readonly repos: Repositories,
    private readonly trashRetentionDays: number,
    private readonly events: ItemEvents,
    private readonly quota: QuotaService,
    private readonly access: AccessService,
  ) {}

  /** An item (file or folder, live or trashed) the user may see; anything else is simply not found. */
  get(user: UserRow, id: string, r: Repositories = this.repos): Promise<ItemRow> {
    return this.require(user, id, 'read', r);
  }

  /** An item the user may do what `need` says with (see AccessService). */
  async require(user: UserRow, id: string, need: Need, r: Repositories = this.repos): Promise<ItemRow> {
    return (await this.access.require(user, id, need, r)).item;
  }

  /** An item the user may change (a file's content, an item's time). */
  writable(user: UserRow, id: string, r: Repositories = this.repos): Promise<ItemRow> {
    return this.require(user, id, 'write', r);
  }

  /** An item the user owns (to share it, lock it, empty it from the trash). */
  owned(user: UserRow, id: string, r: Repositories = this.repos): Promise<ItemRow> {
    return this.require(user, id, 'own', r);
  }

  /** An item and the path to it as the user may see it, and what they are to it. */
  async details(user: UserRow, id: string): Promise<{ item: ItemRow; path: ItemRow[]; access: Access }> {
    const access = await this.access.require(user, id, 'read');
    return { item: access.item, path: await this.pathFor(user, access.item), access };
  }

  async list(user: UserRow, folderId: string, query: ListQuery): Promise<FolderListing> {
    const access = await this.access.require(user, folderId, 'read');
    const folder = access.item;
    if (folder.type !== 'folder') throw notFound('Folder');
    const [path, items, total] = await Promise.all([
      this.pathFor(user, folder),
      this.repos.items.listChildren(folder.id, query),
      this.repos.items.countChildren(folder.id),
    ]);
    return { folder, path, items, total, access };
  }

  /** The chain from the root down to the item, cut where the user's view of another drive starts. */
  private async pathFor(user: UserRow, item: ItemRow): Promise<ItemRow[]> {
    const path = await this.repos.items.pathTo(item.id);
    if (item.owner_id === user.id) return path;
    return this.access.visiblePath(user, item.owner_id, path, await this.access.sharedRoots(user));
  }

  /** A live folder the user may do what `need` says in (by default: put new items into it). */
  async liveFolder(
    user: UserRow,
    id: string,
    r: Repositories = this.repos,
    need: Need = 'write',
  ): Promise<ItemRow> {
    return (await this.liveFolderAccess(user, id, r, need)).item;
  }

  private async liveFolderAccess(user: UserRow, id: string, r: Repositories, need: Need): Promise<Access> {
    const access = await this.access.require(user, id, need, r);
    const folder = access.item;
    if (folder.type !== 'folder') throw badRequest('The target is a file, not a folder');
    if (folder.trashed_at !== null) throw conflict('The folder is in the trash; restore it first');
    return access;
  }

  async createFolder(user: UserRow, parentId: string, name: string): Promise<ItemRow> {
    return this.repos.transaction(async (r) => {
      await lockTreesOf(r, [parentId]);
      const parent = await this.liveFolder(user, parentId, r);
      if (await r.items.findLiveChild(parent.id, nameKey(name))) throw nameConflict(name);
      const now = Date.now();
      const row = newItemRow({ owner_id: parent.owner_id, parent_id: parent.id, type: 'folder', name, now });
      await r.items.insert(row);
      const created = (await r.items.findById(row.id))!;
      await this.events.created(r, created, user.id);
      return created;
    });
  }

  /**
   * The live folder of this name in a folder, created when there is none (a folder upload's
   * "mkdir -p"); `created` tells which, so a batch that fails can take back what it made.
   */
  async ensureFolder(
    user: UserRow,
    parentId: string,
    name: string,
  ): Promise<{ folder: ItemRow; created: boolean }> {
    return this.repos.transaction(async (r) => {
      await lockTreesOf(r, [parentId]);
      const parent = await this.liveFolder(user, parentId, r);
      const existing = await r.items.findLiveChild(parent.id, nameKey(name));
      if (existing?.type === 'folder') return { folder: existing, created: false };
      if (existing) throw nameConflict(name);
      const row = newItemRow({
        owner_id: parent.owner_id,
        parent_id: parent.id,
        type: 'folder',
        name,
        now: Date.now(),
      });
      await r.items.insert(row);
      const created = (await r.items.findById(row.id))!;
      await this.events.created(r, created, user.id);
      return { folder: created, created: true };
    });
  }

  /**
   * Deletes items that were just made, as if they never had been: a batch upload that failed part
   * way takes back its folders and files. Ids come in creation order (a folder before what is in it).
   */
  async discardNew(user: UserRow, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.repos.transaction(async (r) => {
      await lockTreesOf(r, ids);
      const now = Date.now();
      const roots: ItemRow[] = [];
      for (const id of ids) {
        const item = (await this.access.of(user, id, r))?.item;
        if (!item || item.trashed_at !== null || item.parent_id === null) continue;
        await r.items.addSizeToChain(item.parent_id, -item.size);
        await r.items.markTrashed(item.id, now);
        roots.push((await r.items.findById(item.id))!);
      }
      for (const [ownerId, owned] of byOwner(roots)) await this.purge(r, ownerId, owned, user.id);
    });
  }

  /**
   * Renames and/or moves an item. Moving a folder into itself or below itself is refused, and so is
   * a move out of the user's reach: out of their drive, or out of the item shared with them.
   */
  async update(user: UserRow, id: string, changes: { name?: string; parentId?: string }): Promise<ItemRow> {
    return this.repos.transaction(async (r) => {
      await lockTreesOf(r, [id, ...(changes.parentId ? [changes.parentId] : [])]);
      const entry = await this.access.entry(user, id, r);
      const item = entry.item;
      if (item.parent_id === null) throw badRequest('The root folder cannot be renamed or moved');
      if (item.trashed_at !== null) throw conflict('The item is in the trash; restore it first');
      const name = changes.name ?? item.name;
      const targetId = changes.parentId ?? item.parent_id;
      const to = await this.liveFolderAccess(user, targetId, r, 'write');
      const target = to.item;
      if (!this.access.sameReach(entry, to, true)) throw outOfReach('moved');
      if (targetId !== item.parent_id) {
        const targetPath = await r.items.pathTo(target.id);
        if (targetPath.some((p) => p.id === item.id)) {
          throw conflict('A folder cannot be moved into itself or into a folder inside it');
        }
      }
      const clash = await r.items.findLiveChild(target.id, nameKey(name));
      if (clash && clash.id !== item.id) throw nameConflict(name);
      const from = target.id !== item.parent_id ? await this.events.placeOf(r, item.parent_id) : null;
      await r.items.update(item.id, {
        name,
        name_key: nameKey(name),
        parent_id: target.id,
        updated_at: Date.now(),
      });
      if (target.id !== item.parent_id) {
        await r.items.addSizeToChain(item.parent_id, -item.size);
        await r.items.addSizeToChain(target.id, item.size);
      }
      const updated = (await r.items.findById(item.id))!;
      if (from) await this.events.moved(r, updated, from, user.id);
      else if (name !== item.name) await this.events.updated(r, updated, 'renamed', user.id);
      return updated;
    });
  }

  /**
   * Copies items (folders with everything live inside them) into a folder. Copies share the
   * originals' stored versions, so a copy costs rows, not bytes on the store; a taken name gets a
   * number. The copies are the target folder's owner's. What may be copied where: anything the
   * user can see into their own drive, their own items anywhere they may add to, and another
   * user's only within one item shared with them to edit.
   */
  async copy(user: UserRow, ids: string[], parentId: string): Promise<ItemRow[]> {
    return this.repos.transaction(async (r) => {
      await lockTreesOf(r, [parentId, ...ids]);
      const target = await this.liveFolderAccess(user, parentId, r, 'write');
      const copies: ItemRow[] = [];
      for (const id of ids) copies.push(await this.copyInto(r, user, id, target));
      return copies;
    });
  }

  /** Copies one item into a folder under the name given (a WebDAV COPY); a taken name is a conflict. */
  async copyAs(user: UserRow, id: string, parentId: string, name: string): Promise<ItemRow> {
    return this.repos.transaction(async (r) => {
      await lockTreesOf(r, [parentId, id]);
      const target = await this.liveFolderAccess(user, parentId, r, 'write');
      if (await r.items.findLiveChild(target.item.id, nameKey(name))) throw nameConflict(name);
      return this.copyInto(r, user, id, target, name);
    });
  }

  /** One copy, inside the caller's transaction; without `name` it keeps the original's, numbered if taken. */
  private async copyInto(
    r: Repositories,
    user: UserRow,
    id: string,
    to: Access,
    chosenName?: string,
  ): Promise<ItemRow> {
    const target = to.item;
    const targetPath = await r.items.pathTo(target.id);
    const from = await this.access.require(user, id, 'read', r);
    const source = from.item;
    if (to.role !== 'owner' && from.role !== 'owner' && !this.access.sameReach(from, to)) {
      throw outOfReach('copied');
    }
    if (source.parent_id === null) throw badRequest('The root folder cannot be copied');
    if (source.trashed_at !== null) throw conflict(`"${source.name}" is in the trash; restore it first`);
    if (targetPath.some((p) => p.id === source.id)) throw conflict('A folder cannot be copied into itself');
    const subtree = (await r.items.subtree(source.id)).filter((row) => row.trashed_at === null);
    // Copies share stored versions, but each counts, as users expect; refused before anything is written.
    await this.quota.charge(r, target.owner_id, fileBytes(subtree));
    const newIds = new Map(subtree.map((row) => [row.id, randomUUID()]));
    const now = Date.now();
    const name = chosenName ?? (await this.freeName(r, target.id, source.name));
    const rows: NewItemRow[] = subtree.map((row) => ({
      ...stripDepth(row),
      id: newIds.get(row.id)!,
      owner_id: target.owner_id,
      parent_id: row.id === source.id ? target.id : newIds.get(row.parent_id!)!,
      ...(row.id === source.id ? { name, name_key: nameKey(name) } : {}),
      created_at: now,
      updated_at: now,
    }));
    await r.items.insertMany(rows);
    // A copy of a locked folder is locked with the same password: copying must not open it.
    await r.locks.copyLocks(newIds, now, target.owner_id);
    // Tags are each user's own: the copy keeps the copier's and its new owner's.
    await r.tags.copyTags(newIds, [...new Set([user.id, target.owner_id])]);
    await r.dav.copyProperties(newIds);
    await r.items.addSizeToChain(target.id, source.size);
    const copy = (await r.items.findById(newIds.get(source.id)!))!;
    await this.events.copied(r, copy, source.id, user.id);
    return copy;
  }

  /** Sets when an item was last modified (a sync client keeps the time the file had where it came from). */
  async setModified(user: UserRow, id: string, at: number): Promise<ItemRow> {
    return this.repos.transaction(async (r) => {
      const item = await this.writable(user, id, r);
      await r.items.update(item.id, { updated_at: at });
      const updated = (await r.items.findById(item.id))!;
      await this.events.updated(r, updated, 'content', user.id);
      return updated;
    });
  }

  /**
   * Moves items to the trash; a folder takes everything in it along. What an editor trashes in a
   * folder shared with them goes to its owner's trash.
   */
  async trash(user: UserRow, ids: string[]): Promise<void> {
    await this.repos.transaction(async (r) => {
      await lockTreesOf(r, ids);
      const now = Date.now();
      for (const id of ids) {
        const item = (await this.access.entry(user, id, r)).item;
        if (item.parent_id === null) throw badRequest('The root folder cannot be deleted');
        if (item.trashed_at !== null) continue;
        await r.items.addSizeToChain(item.parent_id, -item.size);
        await r.items.markTrashed(item.id, now);
        await this.events.deleted(r, (await r.items.findById(item.id))!, 'trashed', user.id);
      }
    });
  }

  /**
   * Restores trashed items to where they were, or to the root when that folder is gone or itself
   * in the trash; a name taken meanwhile gets a number.
   */
  async restore(user: UserRow, ids: string[]): Promise<ItemRow[]> {
    return this.repos.transaction(async (r) => {
      await r.users.lockTree(user.id);
      const restored: ItemRow[] = [];
      for (const id of ids) {
        const item = await this.trashRoot(user, id, r);
        const original = item.original_parent_id
          ? await r.items.findOwned(user.id, item.original_parent_id)
          : undefined;
        const targetId = original && original.trashed_at === null ? original.id : user.root_folder_id;
        const name = await this.freeName(r, targetId, item.name);
        // Rename first: the name only has to be unique among live items once it is live again.
        await r.items.update(item.id, { parent_id: targetId, name, name_key: nameKey(name) });
        await r.items.unmarkTrashed(item.id);
        await r.items.addSizeToChain(targetId, item.size);
        const row = (await r.items.findById(item.id))!;
        await this.events.restored(r, row, user.id);
        restored.push(row);
      }
      return restored;
    });
  }

  /**
   * The trash, less what was trashed from inside the folders in `closed` (locked ones this session
   * has not opened): those stay hidden, and out of reach of restore and purge, until it opens them.
   */
  async listTrash(
    user: UserRow,
    offset: number,
    limit: number,
    closed: ReadonlySet<string>,
  ): Promise<{ items: ItemRow[]; total: number }> {
    const [items, total] = await Promise.all([
      this.repos.items.listTrashRoots(user.id, offset, limit, [...closed]),
      this.repos.items.countTrashRoots(user.id, [...closed]),
    ]);
    return { items, total };
  }

  /** Deletes trashed items for good; their chunks are queued for deletion from the stores. */
  async deleteForever(user: UserRow, ids: string[]): Promise<void> {
    await this.repos.transaction(async (r) => {
      await r.users.lockTree(user.id);
      const roots = [];
      for (const id of ids) roots.push(await this.trashRoot(user, id, r));
      await this.purge(r, user.id, roots, user.id);
    });
  }

  /** Empties the trash as listed: what came from closed locked folders stays. */
  async emptyTrash(user: UserRow, closed: ReadonlySet<string>): Promise<number> {
    return this.repos.transaction(async (r) => {
      await r.users.lockTree(user.id);
      const total = await r.items.countTrashRoots(user.id, [...closed]);
      const roots = await r.items.listTrashRoots(user.id, 0, total, [...closed]);
      await this.purge(r, user.id, roots, user.id);
      return roots.length;
    });
  }

  /** Purges what has been in the trash longer than the retention period; returns how many items. */
  async purgeExpired(now: number): Promise<number> {
    const before = now - this.trashRetentionDays * DAY_MS;
    let purged = 0;
    for (;;) {
      const roots = await this.repos.items.trashRootsBefore(before, 200);
      if (roots.length === 0) return purged;
      for (const [ownerId, ownerRoots] of byOwner(roots)) {
        await this.repos.transaction(async (r) => {
          await r.users.lockTree(ownerId);
          await this.purge(r, ownerId, ownerRoots, null);
        });
      }
      purged += roots.length;
    }
  }

  /** Picks `name`, or `name (1)`, `name (2)`… whichever is free among the folder's live children. */
  async freeName(r: Repositories, parentId: string, name: string): Promise<string> {
    if (!(await r.items.findLiveChild(parentId, nameKey(name)))) return name;
    const dot = name.lastIndexOf('.');
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const prefix = nameKey(stem);
    const taken = await r.items.liveChildKeysStartingWith(parentId, prefix);
    for (let n = 1; ; n++) {
      const key = nameKey(numberedName(name, n));
      // A very long name is shortened to fit, and then falls outside the prefix we fetched.
      const free = key.startsWith(prefix) ? !taken.has(key) : !(await r.items.findLiveChild(parentId, key));
      if (free) return numberedName(name, n);
    }
  }

  /** An entry of the user's own trash: the trash is its owner's, whoever put the item there. */
  private async trashRoot(user: UserRow, id: string, r: Repositories): Promise<ItemRow> {
    const item = await this.owned(user, id, r);
    if (item.trash_root_id !== item.id) throw notFound('Item in the trash');
    return item;
  }

  /**
   * Deletes trash entries with everything below them. An item inside that was put in the trash on
   * its own, before its folder, is still a trash entry of its own: it is moved under the root (where a
   * restore puts it) instead of being deleted with the folder.
   */
  private async purge(r: Repositories, ownerId: string, roots: ItemRow[], by: string | null): Promise<void> {
    // Announced from where they were, which is read before anything is deleted.
    for (const root of roots) await this.events.deleted(r, root, 'purged', by);
    const purging = new Set(roots.map((root) => root.id));
    const doomed = new Map<string, ItemRow>();
    const spared = new Set<string>();
    for (const root of roots) {
      // Parents come before children, so a spared parent is known before its children.
      for (const row of await r.items.subtree(root.id)) {
        const ownEntry = row.trash_root_id === row.id && !purging.has(row.id);
        if (spared.has(row.parent_id ?? '') || ownEntry) {
          spared.add(row.id);
          if (ownEntry && !spared.has(row.parent_id ?? '')) {
            await r.items.update(row.id, {
              parent_id: (await r.users.findById(ownerId))!.root_folder_id,
              original_parent_id: null,
            });
          }
        } else {
          doomed.set(row.id, row);
        }
      }
    }
    const rows = [...doomed.values()];
    // Their earlier versions go with them (the history rows cascade), unless another file has them too.
    const versionIds = new Set([
      ...rows.flatMap((row) => (row.version_id ? [row.version_id] : [])),
      ...(await r.history.versionsOf(rows.filter((row) => row.type === 'file').map((row) => row.id))),
    ]);
    // Read before the history rows go with their items.
    const historyBytes = await r.history.bytesOf(
      rows.filter((row) => row.type === 'file').map((row) => row.id),
    );
    await r.items.deleteByIds([...purging]);
    await r.versions.deleteVersions(await r.items.unreferencedVersions([...versionIds]), Date.now());
    await r.users.addUsedBytes(ownerId, -(fileBytes(rows) + historyBytes));
  }
}

/** A move or copy out of where the user may take it. */
function outOfReach(what: 'moved' | 'copied'): Error {
  return forbidden(
    `This can only be ${what} within your own drive or within the item shared with you to edit`,
  );
}

/**
 * Takes the tree locks of the owners of these items (each owner once, in one order, so two changes
 * across the same drives cannot wait for each other). An item's owner never changes, so it is read
 * before the lock; ids that name nothing are left to the checks that follow.
 */
export async function lockTreesOf(r: Repositories, ids: readonly string[]): Promise<void> {
  const owners = new Set<string>();
  for (const id of new Set(ids)) {
    const row = await r.items.findById(id);
    if (row) owners.add(row.owner_id);
  }
  for (const owner of [...owners].sort()) await r.users.lockTree(owner);
}

function byOwner(rows: ItemRow[]): Map<string, ItemRow[]> {
  const owned = new Map<string, ItemRow[]>();
  for (const row of rows) owned.set(row.owner_id, [...(owned.get(row.owner_id) ?? []), row]);
  return owned;
}

function fileBytes(rows: ItemRow[]): number {
  return rows.reduce((sum, row) => (row.type === 'file' ? sum + row.size : sum), 0);
}

/** The recursive queries add a `depth` column that is not part of the table. */
function stripDepth(row: ItemRow): ItemRow {
  const { depth: _depth, ...rest } = row as ItemRow & { depth?: number };
  return rest;
}

export function newItemRow(fields: {
  owner_id: string;
  parent_id: string;
  type: ItemRow['type'];
  name: string;
  now: number;
  size?: number;
  mime_type?: string | null;
  version_id?: string | null;
}): NewItemRow {
  return {
    id: randomUUID(),
    owner_id: fields.owner_id,
    parent_id: fields.parent_id,
    type: fields.type,
    name: fields.name,
    name_key: nameKey(fields.name),
    size: fields.size ?? 0,
    mime_type: fields.mime_type ?? null,
    version_id: fields.version_id ?? null,
    created_at: fields.now,
    updated_at: fields.now,
    trashed_at: null,
    trash_root_id: null,
    original_parent_id: null,
  };
}
