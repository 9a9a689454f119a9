import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CreateShareBody, ListQuery, UpdateShareBody } from '@idrive/shared';
import type { ItemRow, ShareRow, ShareVisitsTable, UserRow } from '../db/schema.js';
import { AppError, badRequest, forbidden, notFound } from '../lib/app-error.js';
import { verifyThrottled, type LoginThrottle } from '../lib/login-throttle.js';
import type { PasswordHasher } from '../lib/password-hasher.js';
import type { SecretBox } from '../lib/secret-box.js';
import { hashToken } from '../lib/token-hash.js';
import type { Repositories } from '../repositories/repositories.js';
import type { ClientInfo } from './auth.service.js';
import type { BatchFile, BatchResult, BatchUploadService } from './batch-upload.service.js';
import type { FileService, OpenFile } from './file.service.js';
import type { ItemService } from './item.service.js';
import { hasPermission } from './user.service.js';

/** Wrong share passwords allowed per link and address within the throttle's window. */
const ATTEMPTS_PER_LINK = 10;
/** How long a visitor who gave the right password may go on without giving it again. */
const ACCESS_MS = 24 * 3_600_000;

/** A link a visitor opened, with the item it shares. */
export interface OpenShare {
  share: ShareRow;
  root: ItemRow;
  owner: UserRow;
}

/**
 * Share links. The owner creates, edits, revokes them and sees their visits; a visitor holding the
 * link reaches the shared item and, for a folder, what is below it, and nothing else: every item a
 * visitor names is checked to lie under the shared item, to be live, and to be outside any locked
 * folder (locked content is never shared). A password gives a signed access token rather than a
 * session, so visitors need no account.
 */
export class ShareService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly files: FileService,
    private readonly batches: BatchUploadService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly accessKey: Buffer,
    private readonly tokens: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  // The owner's side.

  /** A link to one of the user's own items (what is shared with them is theirs to use, not to pass on). */
  async create(user: UserRow, body: CreateShareBody): Promise<ShareRow> {
    const item = await this.items.owned(user, body.itemId);
    if (item.trashed_at !== null) throw badRequest('An item in the trash cannot be shared');
    if (body.mode === 'upload' && item.type !== 'folder') {
      throw badRequest('Only a folder can take uploads from a link');
    }
    await this.refuseLocked(item.id);
    const expiresAt = this.futureTime(body.expiresAt);
    const id = randomUUID();
    // 128 random bits: a link cannot be guessed, only given.
    const token = randomBytes(16).toString('base64url');
    const row = {
      id,
      token_hash: hashToken(token),
      token_sealed: this.tokens.seal(token, id),
      owner_id: user.id,
      item_id: item.id,
      mode: body.mode,
      password_hash: body.password ? await this.hasher.hash(body.password) : null,
      expires_at: expiresAt,
      max_downloads: body.maxDownloads ?? null,
      revoked_at: null,
      created_at: this.now(),
    };
    await this.repos.shares.insert(row);
    return (await this.repos.shares.findOwned(user.id, row.id))!;
  }

  async get(user: UserRow, id: string): Promise<ShareRow> {
    return this.ownedBy(user.id, id);
  }

  async list(user: UserRow, itemId?: string): Promise<ShareRow[]> {
    if (itemId) await this.items.owned(user, itemId);
    return this.repos.shares.listOwned(user.id, itemId);
  }

  async update(user: UserRow, id: string, body: UpdateShareBody): Promise<ShareRow> {
    const share = await this.get(user, id);
    if (share.revoked_at !== null) throw new AppError(410, 'gone', 'This link was revoked');
    await this.repos.shares.update(share.id, {
      ...(body.password !== undefined
        ? { password_hash: body.password === null ? null : await this.hasher.hash(body.password) }
        : {}),
      ...(body.expiresAt !== undefined ? { expires_at: this.futureTime(body.expiresAt ?? undefined) } : {}),
      ...(body.maxDownloads !== undefined ? { max_downloads: body.maxDownloads } : {}),
    });
    return this.get(user, id);
  }

  /** Revokes a link of `ownerId` (the owner's own, or any user's for an admin). */
  async revoke(ownerId: string, id: string): Promise<void> {
    const share = await this.ownedBy(ownerId, id);
    if (share.revoked_at === null) await this.repos.shares.update(share.id, { revoked_at: this.now() });
  }

  /** A user's links and the user, for an admin (who must be able to stop what an account left behind). */
  async listOf(userId: string): Promise<{ owner: UserRow; shares: ShareRow[] }> {
    const owner = await this.repos.users.findById(userId);
    if (!owner) throw notFound('User');
    return { owner, shares: await this.repos.shares.listOwned(owner.id) };
  }

  /**
   * Whether the link is off because its owner no longer holds what it needs: sharing, uploading for a
   * file request, an enabled account. Judged on every visit, so giving the permission back restores
   * the link, and taking it away stops it at once.
   */
  suspended(share: ShareRow, owner: UserRow): boolean {
    if (owner.disabled || !hasPermission(owner, 'share')) return true;
    return share.mode === 'upload' && !hasPermission(owner, 'upload');
  }

  async visits(user: UserRow, id: string, offset: number, limit: number) {
    const share = await this.get(user, id);
    const [visits, total] = await Promise.all([
      this.repos.shares.visits(share.id, limit, offset),
      this.repos.shares.countVisits(share.id),
    ]);
    return { visits, total };
  }

  /** The token in a link's address, for its owner to copy again. */
  linkToken(share: ShareRow): string {
    return this.tokens.open(share.token_sealed, share.id);
  }

  /** The shared items of these links (for names and types in the owner's list). */
  async itemsOf(shares: ShareRow[]): Promise<Map<string, ItemRow>> {
    const found = new Map<string, ItemRow>();
    for (const id of new Set(shares.map((s) => s.item_id))) {
      const row = await this.repos.items.findById(id);
      if (row) found.set(id, row);
    }
    return found;
  }

  // The visitor's side.

  /** The link behind a token: 404 when there is none, 410 when it no longer works. */
  async open(token: string): Promise<OpenShare> {
    const share = await this.repos.shares.findByTokenHash(hashToken(token));
    if (!share) throw notFound('Share link');
    const gone = (why: string) => new AppError(410, 'gone', why);
    if (share.revoked_at !== null) throw gone('This link was revoked by its owner');
    if (share.expires_at !== null && share.expires_at <= this.now()) throw gone('This link has expired');
    if (share.max_downloads !== null && share.downloads >= share.max_downloads) {
      throw gone('This link has reached its download limit');
    }
    const root = await this.repos.items.findById(share.item_id);
    const owner = await this.repos.users.findById(share.owner_id);
    if (!root || root.trashed_at !== null || !owner || owner.disabled) {
      throw gone('The shared item is no longer available');
    }
    if (this.suspended(share, owner)) throw gone('The owner of this link may no longer share it');
    return { share, root, owner };
  }

  /**
   * Whether a visitor who got in may stay (a live socket asks on every heartbeat): the link still
   * works, the access token is still good, and no lock has closed the shared item since.
   */
  async stillOpen(token: string, accessToken: string | undefined): Promise<boolean> {
    try {
      const open = await this.open(token);
      if (!this.mayEnter(open.share, accessToken)) return false;
      await this.resolve(open, open.root.id);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether the visitor may see the link's content: no password, or a valid access token. */
  mayEnter(share: ShareRow, accessToken: string | undefined): boolean {
    if (share.password_hash === null) return true;
    return accessToken !== undefined && this.validAccess(share, accessToken);
  }

  /** Throws unless the visitor may see the link's content (see mayEnter). */
  enter(open: OpenShare, accessToken: string | undefined): void {
    if (!this.mayEnter(open.share, accessToken)) {
      throw new AppError(401, 'password_required', 'This link is protected by a password');
    }
  }

  /** Checks a link's password and gives an access token for it. */
  async grantAccess(
    open: OpenShare,
    password: string,
    client: ClientInfo,
  ): Promise<{ token: string; expiresAt: number }> {
    const { share } = open;
    if (share.password_hash === null) throw badRequest('This link has no password');
    await verifyThrottled(this.hasher, this.throttle, {
      key: `share:${share.id}:${client.ip ?? 'unknown'}`,
      limit: ATTEMPTS_PER_LINK,
      hash: share.password_hash,
      password,
      tooMany: 'Too many wrong passwords for this link',
    });
    const expiresAt = this.now() + ACCESS_MS;
    return { token: `${expiresAt}.${this.mac(share, expiresAt)}`, expiresAt };
  }

  /**
   * An item of a read link: the shared item or one below it, live, and outside any locked folder
   * (checked on the whole chain from the shared item down). Anything else is simply not found.
   */
  async resolve(open: OpenShare, itemId: string): Promise<{ item: ItemRow; path: ItemRow[] }> {
    if (open.share.mode !== 'read') throw forbidden('This link only takes uploads');
    const chain = await this.repos.items.pathTo(itemId);
    const start = chain.findIndex((row) => row.id === open.root.id);
    const below = start === -1 ? [] : chain.slice(start);
    if (below.length === 0 || below.some((row) => row.trashed_at !== null)) throw notFound('Item');
    // A lock on the shared item or above it (added after the link was made) closes the whole link.
    const locked = await this.repos.locks.lockedAmong(chain.map((row) => row.id));
    if (chain.slice(0, start + 1).some((row) => locked.has(row.id))) {
      throw new AppError(423, 'locked', 'The owner has locked this folder; it cannot be opened from a link');
    }
    if (locked.size > 0) throw notFound('Item');
    return { item: below[below.length - 1]!, path: below };
  }

  /** A folder's children as a visitor sees them: locked folders are left out. */
  async listFolder(open: OpenShare, folderId: string, query: ListQuery) {
    const { item: folder, path } = await this.resolve(open, folderId);
    if (folder.type !== 'folder') throw badRequest('This is a file, not a folder');
    const [page, total] = await Promise.all([
      this.repos.items.listChildren(folder.id, query),
      this.repos.items.countChildren(folder.id),
    ]);
    const locked = await this.repos.locks.lockedAmong(
      page.filter((r) => r.type === 'folder').map((r) => r.id),
    );
    return {
      folder,
      path,
      items: page.filter((row) => !locked.has(row.id)),
      total: total - locked.size,
    };
  }

  async openFile(open: OpenShare, fileId: string): Promise<OpenFile> {
    const { item } = await this.resolve(open, fileId);
    if (item.type !== 'file' || !item.version_id) throw badRequest('This is a folder, not a file');
    return { item, ...(await this.files.openVersion(item.version_id)) };
  }

  /** The owner's locked folders: a visitor never sees inside them, whatever the owner unlocked. */
  async closedFolders(open: OpenShare): Promise<ReadonlySet<string>> {
    return new Set(await this.repos.locks.closedFolders(open.owner.id, false, null, this.now()));
  }

  /** Counts a download against the link's limit; 410 when the limit was reached meanwhile. */
  async countDownload(open: OpenShare): Promise<void> {
    if (!(await this.repos.shares.countDownload(open.share.id))) {
      throw new AppError(410, 'gone', 'This link has reached its download limit');
    }
  }

  /** Files dropped into an upload link's folder, stored as the owner's; a taken name gets a number. */
  async upload(open: OpenShare, parts: AsyncIterable<BatchFile>): Promise<BatchResult[]> {
    if (open.share.mode !== 'upload') throw forbidden('This link does not take uploads');
    if (open.root.type !== 'folder') throw badRequest('Only a folder can take uploads');
    if ((await this.repos.locks.blocking(open.root.id, null, this.now())).length > 0) {
      throw new AppError(423, 'locked', 'The owner has locked this folder; it takes no uploads');
    }
    return this.batches.upload(open.owner, open.root.id, 'rename', parts);
  }

  async visit(
    open: OpenShare,
    action: ShareVisitsTable['action'],
    client: ClientInfo,
    item?: ItemRow,
  ): Promise<void> {
    await this.repos.shares.addVisit({
      share_id: open.share.id,
      at: this.now(),
      action,
      item_id: item?.id ?? null,
      item_name: item?.name ?? null,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 512) ?? null,
    });
  }

  private async ownedBy(ownerId: string, id: string): Promise<ShareRow> {
    const share = await this.repos.shares.findOwned(ownerId, id);
    if (!share) throw notFound('Share link');
    return share;
  }

  private async refuseLocked(itemId: string): Promise<void> {
    if ((await this.repos.locks.blocking(itemId, null, this.now())).length > 0) {
      throw new AppError(409, 'locked', 'A locked folder, or anything in one, cannot be shared');
    }
  }

  private futureTime(iso: string | undefined): number | null {
    if (iso === undefined) return null;
    const at = Date.parse(iso);
    if (at <= this.now()) throw badRequest('The expiry must be in the future');
    return at;
  }

  /** Binds an access token to the link and its current password: a new password voids old tokens. */
  private mac(share: ShareRow, expiresAt: number): string {
    return createHmac('sha256', this.accessKey)
      .update(`${share.id}.${expiresAt}.${share.password_hash ?? ''}`)
      .digest('base64url');
  }

  private validAccess(share: ShareRow, token: string): boolean {
    const [expires, mac] = token.split('.');
    const expiresAt = Number(expires);
    if (!mac || !Number.isSafeInteger(expiresAt) || expiresAt <= this.now()) return false;
    const expected = Buffer.from(this.mac(share, expiresAt));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
