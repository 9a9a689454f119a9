import { randomUUID } from 'node:crypto';
import type { DavLockRow } from '../db/schema.js';
import { AppError } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import { coversPath } from './dav-path.js';

/** The longest a lock lasts without a refresh; clients asking for more (or Infinite) get this. */
export const MAX_LOCK_SECONDS = 24 * 3600;
const DEFAULT_LOCK_SECONDS = 3600;

export interface LockRequest {
  infinite: boolean;
  exclusive: boolean;
  ownerXml: string | null;
  timeoutSeconds: number;
}

export const davLocked = (message: string) => new AppError(423, 'locked', message);

/** The seconds a Timeout header asks for (`Second-n`, `Infinite`, or a list: the first that parses). */
export function lockTimeout(header: string | undefined): number {
  for (const part of (header ?? '').split(',').map((p) => p.trim().toLowerCase())) {
    if (part === 'infinite') return MAX_LOCK_SECONDS;
    const seconds = /^second-(\d+)$/.exec(part)?.[1];
    if (seconds) return Math.max(1, Math.min(MAX_LOCK_SECONDS, Number(seconds)));
  }
  return DEFAULT_LOCK_SECONDS;
}

/**
 * WebDAV locks (RFC 4918 class 2), kept in the database so that every instance sees the same ones.
 * A lock is on a path, not an item: it can be taken on a URL nothing is at yet, and it stays where it
 * was when the item moves away. Taking one runs under the owner's tree lock (a row lock on
 * PostgreSQL, the one writer on SQLite), so two instances can never both grant conflicting locks.
 */
export class DavLockService {
  constructor(
    private readonly repos: Repositories,
    private readonly now: () => number = Date.now,
  ) {}

  /** The live locks at `path` or above it with Depth: infinity: those that cover it. */
  async covering(userId: string, path: string): Promise<DavLockRow[]> {
    return (await this.repos.dav.liveLocks(userId, this.now())).filter((l) => covers(l, path));
  }

  /** Covering locks, and with `below` the locks inside it too (what deleting or moving it affects). */
  async affecting(userId: string, path: string, below: boolean): Promise<DavLockRow[]> {
    const live = await this.repos.dav.liveLocks(userId, this.now());
    return live.filter((l) => covers(l, path) || (below && coversPath(path, l.path)));
  }

  /** A new lock, or 423 when one that conflicts with it is held (an exclusive one, or any for an exclusive request). */
  async lock(userId: string, path: string, request: LockRequest): Promise<DavLockRow> {
    return this.repos.transaction(async (r) => {
      await r.users.lockTree(userId);
      const now = this.now();
      await r.dav.deleteExpired(userId, now);
      const held = (await r.dav.liveLocks(userId, now)).filter(
        (l) => covers(l, path) || (request.infinite && coversPath(path, l.path)),
      );
      if (held.some((l) => l.exclusive === 1 || request.exclusive)) {
        throw davLocked('The resource is already locked');
      }
      const row: DavLockRow = {
        token: `opaquelocktoken:${randomUUID()}`,
        user_id: userId,
        path,
        infinite: request.infinite ? 1 : 0,
        exclusive: request.exclusive ? 1 : 0,
        owner_xml: request.ownerXml,
        timeout_seconds: request.timeoutSeconds,
        expires_at: now + request.timeoutSeconds * 1000,
        created_at: now,
      };
      await r.dav.insertLock(row);
      return row;
    });
  }

  /** Extends the covering locks among `tokens`; 412 when none of them covers the path. */
  async refresh(
    userId: string,
    path: string,
    tokens: Set<string>,
    timeoutSeconds: number,
  ): Promise<DavLockRow[]> {
    const mine = (await this.covering(userId, path)).filter((l) => tokens.has(l.token));
    if (mine.length === 0) {
      throw new AppError(412, 'precondition_failed', 'No lock named in the If header covers this resource');
    }
    const expiresAt = this.now() + timeoutSeconds * 1000;
    for (const lock of mine) await this.repos.dav.refreshLock(lock.token, timeoutSeconds, expiresAt);
    return mine.map((l) => ({ ...l, timeout_seconds: timeoutSeconds, expires_at: expiresAt }));
  }

  /** Drops the locks at a path and inside it: what was there is gone (DELETE, or MOVE away). */
  async dropUnder(userId: string, path: string): Promise<void> {
    for (const lock of await this.repos.dav.liveLocks(userId, this.now())) {
      if (coversPath(path, lock.path)) await this.repos.dav.deleteLock(lock.token);
    }
  }

  /** Removes a lock that covers the path; 409 for a token that does not. */
  async unlock(userId: string, path: string, token: string): Promise<void> {
    const lock = (await this.covering(userId, path)).find((l) => l.token === token);
    if (!lock) throw new AppError(409, 'conflict', 'That lock token does not lock this resource');
    await this.repos.dav.deleteLock(lock.token);
  }
}

function covers(lock: DavLockRow, path: string): boolean {
  return lock.path === path || (lock.infinite === 1 && coversPath(lock.path, path));
}
