import type { ItemRow, UserRow } from '../db/schema.js';
import { AppError, badRequest, conflict } from '../lib/app-error.js';
import { verifyThrottled, type LoginThrottle } from '../lib/login-throttle.js';
import type { PasswordHasher } from '../lib/password-hasher.js';
import type { Repositories } from '../repositories/repositories.js';
import type { Authenticated } from './auth.service.js';
import type { AccessService } from './access.service.js';
import type { ItemService } from './item.service.js';

/** Wrong passwords allowed per folder and user within the throttle's window. */
const ATTEMPTS_PER_FOLDER = 5;

/**
 * What a check guards: `contents` is the item and what is inside it (a folder's listing, a file's
 * bytes, uploading into a folder), so its own lock counts; `item` is the item as an entry of its
 * folder (rename, move, trash), so only the locks above it do.
 */
export type LockScope = 'contents' | 'item';

/**
 * Password-locked folders. A lock covers its folder's whole subtree without being copied onto it:
 * whether an item is locked is worked out from its ancestors, so moving things in and out of a
 * locked folder needs no bookkeeping, and a nested folder may have a lock of its own (which needs
 * its own password). Unlocking grants one session access to that subtree for a short while.
 */
export class LockService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly access: AccessService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly grantMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Throws 423 `locked` (naming the outermost closed folder) unless the session may see `itemId`.
   * For an item shared with the user, the locks that count are those from the outermost item shared
   * with them down: what lies above is the owner's, out of the user's sight, and the owner chose to
   * share what is below it.
   */
  async check(auth: Authenticated, itemId: string, scope: LockScope): Promise<void> {
    // An item the user cannot reach is simply not found: its locks are none of this user's business.
    const { grants } = await this.access.require(auth.user, itemId, 'read');
    const reach = grants.length > 0 ? grants[grants.length - 1]!.depth : Infinity;
    const blocking = (await this.repos.locks.blocking(itemId, auth.session.id, this.now())).filter(
      (lock) => (scope === 'contents' || lock.depth > 0) && lock.depth <= reach,
    );
    const outermost = blocking[0];
    if (!outermost) return;
    throw new AppError(423, 'locked', `"${outermost.name}" is locked; unlock it with its password first`, {
      folderId: outermost.folder_id,
      name: outermost.name,
    });
  }

  /**
   * The locked folders this session has not unlocked: whole subtrees that searches, zips and shares
   * leave out. The user's own, and those inside items shared with them.
   */
  async closedFolders(auth: Authenticated): Promise<Set<string>> {
    const shared = (await this.access.sharedRoots(auth.user)).size > 0;
    return new Set(await this.repos.locks.closedFolders(auth.user.id, shared, auth.session.id, this.now()));
  }

  /** Which of these rows are folders with a lock (to mark them in a listing). */
  async lockedAmong(rows: ItemRow[]): Promise<Set<string>> {
    return this.repos.locks.lockedAmong(rows.filter((r) => r.type === 'folder').map((r) => r.id));
  }

  async lock(auth: Authenticated, folderId: string, password: string): Promise<ItemRow> {
    const folder = await this.lockableFolder(auth.user, folderId);
    if (await this.repos.locks.find(folder.id)) throw conflict('This folder is already locked');
    const hash = await this.hasher.hash(password);
    await this.repos.locks.insert({
      folder_id: folder.id,
      owner_id: auth.user.id,
      password_hash: hash,
      created_at: this.now(),
    });
    // The one who just set the password need not type it again right away (grants belong to sessions).
    if (!auth.appPassword)
      await this.repos.locks.grant(auth.session.id, folder.id, this.now() + this.grantMs);
    return folder;
  }

  /** Opens a locked folder for this session; returns when the grant ends. */
  async unlock(auth: Authenticated, folderId: string, password: string): Promise<number> {
    if (auth.appPassword) {
      throw new AppError(
        403,
        'forbidden',
        'A locked folder opens only for a signed-in session, not an app password',
      );
    }
    await this.verify(auth.user, folderId, password);
    const expiresAt = this.now() + this.grantMs;
    await this.repos.locks.grant(auth.session.id, folderId, expiresAt);
    return expiresAt;
  }

  /** Closes a folder this session had unlocked, before its grant runs out. */
  async relock(auth: Authenticated, folderId: string): Promise<void> {
    await this.lockedFolder(auth.user, folderId);
    await this.repos.locks.revokeGrant(auth.session.id, folderId);
  }

  /** A new password; every session that had the folder open must unlock it again. */
  async change(auth: Authenticated, folderId: string, password: string, newPassword: string): Promise<void> {
    await this.items.owned(auth.user, folderId);
    await this.verify(auth.user, folderId, password);
    await this.repos.locks.setPassword(folderId, await this.hasher.hash(newPassword));
  }

  async remove(auth: Authenticated, folderId: string, password: string): Promise<void> {
    await this.items.owned(auth.user, folderId);
    await this.verify(auth.user, folderId, password);
    await this.repos.locks.delete(folderId);
  }

  private async verify(user: UserRow, folderId: string, password: string): Promise<void> {
    const lock = await this.lockedFolder(user, folderId);
    await verifyThrottled(this.hasher, this.throttle, {
      key: `lock:${user.id}:${folderId}`,
      limit: ATTEMPTS_PER_FOLDER,
      hash: lock.password_hash,
      password,
      tooMany: 'Too many wrong passwords for this folder',
    });
  }

  /** Only its owner may lock a folder, or change or take away its password. */
  private async lockableFolder(user: UserRow, folderId: string): Promise<ItemRow> {
    const folder = await this.items.liveFolder(user, folderId, this.repos, 'own');
    if (folder.parent_id === null) throw badRequest('The root folder cannot be locked');
    return folder;
  }

  private async lockedFolder(user: UserRow, folderId: string) {
    const folder = await this.items.get(user, folderId);
    const lock = folder.type === 'folder' ? await this.repos.locks.find(folder.id) : undefined;
    if (!lock) throw badRequest('This folder is not locked');
    return lock;
  }
}
