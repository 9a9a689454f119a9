import type { PathEntry, SharedMark, ShareRole } from '@idrive/shared';
import type { ItemRow, UserRow } from '../db/schema.js';
import { forbidden, notFound } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { ChainGrant } from '../repositories/user-share.repository.js';

/** What a user is to an item: its owner, or what a share on it (or above it) makes them. */
export type AccessRole = 'owner' | ShareRole;

/**
 * What an action needs: `read` (list, preview, download, star), `write` (add to a folder, change a
 * file's content), `own` (share it, lock it, empty it from the trash).
 */
export type Need = 'read' | 'write' | 'own';

/** An item a user may reach, what they are to it, and how (their grants on its chain). */
export interface Access {
  item: ItemRow;
  role: AccessRole;
  /** The user's grants on the item and the folders above it, nearest first; none for its owner. */
  grants: ChainGrant[];
}

/**
 * The one rule of who may do what with an item: its owner may do anything; anyone else is what the
 * nearest share on the item or a folder above it makes them (a share lower down can narrow or widen
 * one further up), or nobody, to whom the item does not exist.
 */
export function roleOf(userId: string, item: ItemRow, grants: readonly ChainGrant[]): AccessRole | null {
  if (item.owner_id === userId) return 'owner';
  return grants[0]?.role ?? null;
}

const ALLOWS: Record<Need, readonly AccessRole[]> = {
  read: ['owner', 'editor', 'viewer'],
  write: ['owner', 'editor'],
  own: ['owner'],
};

const REFUSALS: Record<Exclude<Need, 'read'>, string> = {
  write: 'This item is shared with you to view only',
  own: "Only the item's owner can do this",
};

/**
 * Answers "what may this user do with this item" for every route and service, so that no check
 * compares owner ids on its own. An item the user may not reach is a 404, as if it did not exist;
 * one they may see but not change as asked is a 403.
 */
export class AccessService {
  constructor(private readonly repos: Repositories) {}

  /** The user's access to the item, or null when it is not theirs and not shared with them. */
  async of(user: UserRow, id: string, r: Repositories = this.repos): Promise<Access | null> {
    const item = await r.items.findById(id);
    if (!item) return null;
    const grants = item.owner_id === user.id ? [] : await r.userShares.chain(user.id, item.id);
    const role = roleOf(user.id, item, grants);
    return role ? { item, role, grants } : null;
  }

  /** The item, when the user may do what `need` says with it: 404 when they cannot reach it, 403 else. */
  async require(user: UserRow, id: string, need: Need, r: Repositories = this.repos): Promise<Access> {
    const access = await this.of(user, id, r);
    if (!access) throw notFound('Item');
    if (!ALLOWS[need].includes(access.role)) throw forbidden(REFUSALS[need as Exclude<Need, 'read'>]);
    return access;
  }

  /**
   * The item, when the user may change its entry in its folder (rename, move it away, trash it):
   * that is a change to the folder, so it needs `write` there. The item shared with a grantee is an
   * entry of its owner's folder, which the grantee never reaches.
   */
  async entry(user: UserRow, id: string, r: Repositories = this.repos): Promise<Access> {
    const access = await this.require(user, id, 'read', r);
    if (access.role === 'owner') return access;
    const above = access.grants.find((grant) => grant.depth > 0);
    if (!above) throw forbidden('Only its owner can rename, move or delete the item shared with you');
    if (!ALLOWS.write.includes(above.role)) throw forbidden(REFUSALS.write);
    return access;
  }

  /**
   * Whether `from` (what is copied, or with `above` the folder a moved item leaves) and `to` (where
   * it goes) are in one place for the user: both in their own drive, or both below one item shared
   * with them to edit. Nothing crosses from one user's drive into another's this way.
   */
  sameReach(from: Access, to: Access, above = false): boolean {
    if (from.item.owner_id !== to.item.owner_id) return false;
    if (from.role === 'owner' && to.role === 'owner') return true;
    const editable = new Set(
      from.grants.filter((g) => g.role === 'editor' && (!above || g.depth > 0)).map((g) => g.item_id),
    );
    return to.grants.some((g) => g.role === 'editor' && editable.has(g.item_id));
  }

  /** The items shared with the user (whatever their state): where their view of other drives starts. */
  async sharedRoots(user: UserRow, r: Repositories = this.repos): Promise<Set<string>> {
    return new Set(await r.userShares.rootIds(user.id));
  }

  /**
   * A path (root first) as the user may see it: whole for their own items; for another user's, from
   * the outermost item shared with them down, and empty when none is on it.
   */
  visiblePath<T extends PathEntry>(
    user: UserRow,
    ownerId: string,
    path: T[],
    roots: ReadonlySet<string>,
  ): T[] {
    if (ownerId === user.id) return path;
    const at = path.findIndex((entry) => roots.has(entry.id));
    return at === -1 ? [] : path.slice(at);
  }

  /**
   * Whose each of these rows is and what the user may do with it, for the rows that are not theirs.
   * `inherited` is the role of the folder they are all in, when they are one folder's children: only
   * grants on the rows themselves can change it, so no chain is walked.
   */
  async marks(user: UserRow, rows: ItemRow[], inherited?: ShareRole): Promise<Map<string, SharedMark>> {
    const others = rows.filter((row) => row.owner_id !== user.id);
    if (others.length === 0) return new Map();
    const ids = others.map((row) => row.id);
    const [names, roles] = await Promise.all([
      this.repos.users.namesOf([...new Set(others.map((row) => row.owner_id))]),
      inherited
        ? this.repos.userShares.rolesAmong(user.id, ids)
        : this.repos.userShares.nearestRoles(user.id, ids),
    ]);
    const marks = new Map<string, SharedMark>();
    for (const row of others) {
      const role = roles.get(row.id) ?? inherited;
      if (!role) continue;
      marks.set(row.id, { owner: { id: row.owner_id, username: names.get(row.owner_id) ?? '' }, role });
    }
    return marks;
  }
}
