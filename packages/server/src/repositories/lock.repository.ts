import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { FolderLocksTable } from '../db/schema.js';
import { foldersBelow } from './tree-sql.js';

/** A lock that keeps an item closed: the locked folder, its name, and how far above the item it is. */
export interface BlockingLock {
  folder_id: string;
  name: string;
  depth: number;
}

/** Folder locks and the grants that open them for a session. */
export class LockRepository {
  constructor(private readonly db: Db | Tx) {}

  find(folderId: string): Promise<FolderLocksTable | undefined> {
    return this.db
      .selectFrom('folder_locks')
      .selectAll()
      .where('folder_id', '=', folderId)
      .executeTakeFirst();
  }

  async insert(row: FolderLocksTable): Promise<void> {
    await this.db.insertInto('folder_locks').values(row).execute();
  }

  /** A new password; grants made under the old one end with it. */
  async setPassword(folderId: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable('folder_locks')
      .set({ password_hash: passwordHash })
      .where('folder_id', '=', folderId)
      .execute();
    await this.db.deleteFrom('unlock_grants').where('folder_id', '=', folderId).execute();
  }

  async delete(folderId: string): Promise<void> {
    await this.db.deleteFrom('unlock_grants').where('folder_id', '=', folderId).execute();
    await this.db.deleteFrom('folder_locks').where('folder_id', '=', folderId).execute();
  }

  async grant(sessionId: string, folderId: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('unlock_grants')
      .values({ session_id: sessionId, folder_id: folderId, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['session_id', 'folder_id']).doUpdateSet({ expires_at: expiresAt }))
      .execute();
  }

  async revokeGrant(sessionId: string, folderId: string): Promise<void> {
    await this.db
      .deleteFrom('unlock_grants')
      .where('session_id', '=', sessionId)
      .where('folder_id', '=', folderId)
      .execute();
  }

  async deleteExpiredGrants(now: number): Promise<void> {
    await this.db.deleteFrom('unlock_grants').where('expires_at', '<=', now).execute();
  }

  /**
   * The locks on an item and the folders above it that the session has no live grant for, outermost
   * first. `depth` 0 is the item itself.
   */
  async blocking(itemId: string, sessionId: string | null, now: number): Promise<BlockingLock[]> {
    const rows = await sql<BlockingLock>`
      with recursive chain(id, parent_id, depth) as (
        select id, parent_id, 0 from items where id = ${itemId}
        union all
        select items.id, items.parent_id, chain.depth + 1 from items join chain on items.id = chain.parent_id
      )
      select folder_locks.folder_id, items.name, chain.depth
      from chain
      join folder_locks on folder_locks.folder_id = chain.id
      join items on items.id = folder_locks.folder_id
      where not exists (
        select 1 from unlock_grants
        where unlock_grants.folder_id = folder_locks.folder_id
          and unlock_grants.session_id = ${sessionId}
          and unlock_grants.expires_at > ${now}
      )
      order by chain.depth desc`.execute(this.db);
    return rows.rows.map((r) => ({ ...r, depth: Number(r.depth) }));
  }

  /**
   * The locked folders the session has no live grant for: subtrees to leave out. The user's own, and
   * with `shared` (something is shared with them) those at or below an item shared with them.
   */
  async closedFolders(
    userId: string,
    shared: boolean,
    sessionId: string | null,
    now: number,
  ): Promise<string[]> {
    const roots = sql`select item_id from user_shares where grantee_id = ${userId}`;
    const rows = await this.db
      .selectFrom('folder_locks')
      .select('folder_id')
      .where((eb) =>
        shared
          ? eb.or([
              eb('owner_id', '=', userId),
              sql<boolean>`folder_id in (${foldersBelow(sql`id in (${roots})`)})`,
            ])
          : eb('owner_id', '=', userId),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('unlock_grants')
              .select('unlock_grants.folder_id')
              .whereRef('unlock_grants.folder_id', '=', 'folder_locks.folder_id')
              .where('unlock_grants.session_id', '=', sessionId ?? '')
              .where('unlock_grants.expires_at', '>', now),
          ),
        ),
      )
      .execute();
    return rows.map((r) => r.folder_id);
  }

  /** Of these folder ids, those that carry a lock. */
  async lockedAmong(folderIds: string[]): Promise<Set<string>> {
    if (folderIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('folder_locks')
      .select('folder_id')
      .where('folder_id', 'in', folderIds)
      .execute();
    return new Set(rows.map((r) => r.folder_id));
  }

  /**
   * Gives copied folders the locks of the folders they were copied from (old id → new id), as locks
   * of the copies' owner.
   */
  async copyLocks(copies: Map<string, string>, now: number, ownerId: string): Promise<void> {
    const sources = [...copies.keys()];
    for (let i = 0; i < sources.length; i += 500) {
      const locks = await this.db
        .selectFrom('folder_locks')
        .selectAll()
        .where('folder_id', 'in', sources.slice(i, i + 500))
        .execute();
      if (locks.length === 0) continue;
      await this.db
        .insertInto('folder_locks')
        .values(
          locks.map((l) => ({
            ...l,
            folder_id: copies.get(l.folder_id)!,
            owner_id: ownerId,
            created_at: now,
          })),
        )
        .execute();
    }
  }
}
