import type { Usage } from '@idrive/shared';
import type { UserRow } from '../db/schema.js';
import { AppError, notFound } from '../lib/app-error.js';
import { formatBytes } from '../lib/byte-size.js';
import type { Repositories } from '../repositories/repositories.js';

/**
 * Storage quotas. What counts against a user's quota is `users.used_bytes` (every file they keep,
 * the trash included, and every earlier version in their files' histories) plus what their uploads
 * in progress hold (`quota_reservations`). Every check runs under the owner's tree lock in a
 * transaction, so two writes racing for the last free bytes cannot both pass: on PostgreSQL the
 * lock is a row lock on the user, and SQLite runs one transaction at a time.
 *
 * The owner charged is always the owner of the folder the bytes go into, which a caller passes
 * explicitly: whoever makes the request may one day be someone the folder is shared with.
 */
export class QuotaService {
  constructor(private readonly repos: Repositories) {}

  /**
   * 507 `quota_exceeded` unless `bytes` more fit in the owner's quota, beside what is used and what
   * uploads in progress hold. In the caller's transaction when given; the check means something
   * only while that transaction holds the lock, so whatever it allows must be recorded in it.
   */
  async ensureRoom(ownerId: string, bytes: number, r: Repositories = this.repos): Promise<void> {
    await r.transaction(async (tx) => {
      await tx.users.lockTree(ownerId);
      const room = await this.room(tx, ownerId);
      if (room.free !== null && bytes > room.free) throw quotaExceeded(bytes, room.quota!, room.free);
    });
  }

  /**
   * Holds `need` bytes more for an uncommitted version (or, with `want`, up to that many when they
   * fit), so that what a write has been promised stays free while its bytes arrive. Returns the bytes
   * added. The version's earlier reservation counts in the refusal's wording: it is one write.
   */
  async reserve(
    ownerId: string,
    versionId: string,
    need: number,
    want = need,
    r: Repositories = this.repos,
  ): Promise<number> {
    // Outside a caller's transaction, as durable as the chunk records it is made beside.
    return r.transaction(
      async (tx) => {
        await tx.users.lockTree(ownerId);
        const room = await this.room(tx, ownerId);
        if (room.free !== null && need > room.free) {
          const held = await tx.quotas.heldBy(versionId);
          throw quotaExceeded(held + need, room.quota!, room.free);
        }
        const bytes = room.free === null ? want : Math.min(want, room.free);
        if (bytes > 0) await tx.quotas.reserve(versionId, ownerId, bytes);
        return bytes;
      },
      { durable: false },
    );
  }

  /** Reserves each version's bytes, all or none: a pack of small files is refused whole when they do not fit. */
  async reserveEach(
    ownerId: string,
    versions: { versionId: string; bytes: number }[],
    r: Repositories = this.repos,
  ): Promise<void> {
    const total = versions.reduce((sum, v) => sum + v.bytes, 0);
    await r.transaction(async (tx) => {
      await this.ensureRoom(ownerId, total, tx);
      await tx.quotas.reserveMany(
        versions.map((v) => ({ version_id: v.versionId, owner_id: ownerId, bytes: v.bytes })),
      );
    });
  }

  /**
   * Adds a write's `bytes` to the owner's used bytes, in the write's own transaction. A version's
   * reservation (if `versionId` has one) becomes used bytes: what was reserved was promised, so a
   * write within it passes even if the quota was lowered meanwhile; past it, the whole write must fit.
   */
  async charge(r: Repositories, ownerId: string, bytes: number, versionId?: string): Promise<void> {
    await r.users.lockTree(ownerId);
    const held = versionId ? await r.quotas.release(versionId) : 0;
    if (bytes > held) await this.ensureRoom(ownerId, bytes, r);
    await r.users.addUsedBytes(ownerId, bytes);
  }

  /** What the owner may still store; null when they have no quota. */
  async freeBytes(ownerId: string): Promise<number | null> {
    return (await this.room(this.repos, ownerId)).free;
  }

  /** The signed-in user's storage, by where the bytes are. */
  async usage(user: UserRow): Promise<Usage> {
    const [owner, root, reserved, trash, versions] = await Promise.all([
      this.repos.users.findById(user.id),
      this.repos.items.findById(user.root_folder_id),
      this.repos.quotas.reservedFor(user.id),
      this.repos.quotas.trashedFileBytes(user.id),
      this.repos.quotas.historyBytes(user.id),
    ]);
    if (!owner || !root) throw notFound('User');
    const quota = owner.quota_bytes;
    return {
      usedBytes: owner.used_bytes,
      quotaBytes: quota,
      freeBytes: quota === null ? null : Math.max(0, quota - owner.used_bytes - reserved),
      reservedBytes: reserved,
      // A folder's size is the total of the live files below it: the root's is every live file.
      byKind: { files: root.size, trash, versions },
    };
  }

  /**
   * The owner's quota and what of it is free now (null for both: no limit). A check that records what
   * it allows takes the owner's tree lock first, in its transaction.
   */
  private async room(
    r: Repositories,
    ownerId: string,
  ): Promise<{ quota: number | null; free: number | null }> {
    const owner = await r.users.findById(ownerId);
    if (!owner) throw notFound('User');
    if (owner.quota_bytes === null) return { quota: null, free: null };
    const reserved = await r.quotas.reservedFor(ownerId);
    return { quota: owner.quota_bytes, free: Math.max(0, owner.quota_bytes - owner.used_bytes - reserved) };
  }
}

function quotaExceeded(bytes: number, quota: number, free: number): AppError {
  return new AppError(
    507,
    'quota_exceeded',
    `${formatBytes(bytes)} would exceed your quota of ${formatBytes(quota)}; ${formatBytes(free)} free`,
    { requestedBytes: bytes, quotaBytes: quota, freeBytes: free },
  );
}
