import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { FileVersionRow } from '../db/schema.js';

const DAY_MS = 86_400_000;

/**
 * A version as the history lists it: its row, who stored it (null: an account since deleted), and
 * when it was replaced (null: current).
 */
export type ListedVersion = FileVersionRow & {
  author_id: string | null;
  username: string | null;
  replaced_at: number | null;
};

/** How long earlier versions are kept: days after they were replaced, and versions per file. */
export interface RetentionLimits {
  days: number;
  count: number;
}

/** The versions files held before they were replaced (`version_history`). */
export class HistoryRepository {
  constructor(private readonly db: Db | Tx) {}

  async add(itemId: string, versionId: string, replacedAt: number): Promise<void> {
    await this.db
      .insertInto('version_history')
      .values({ item_id: itemId, version_id: versionId, replaced_at: replacedAt })
      .execute();
  }

  /** Whether the version is one of the item's earlier ones. */
  async has(itemId: string, versionId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('version_history')
      .select('version_id')
      .where('item_id', '=', itemId)
      .where('version_id', '=', versionId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The current version, then the earlier ones, most recently replaced first. */
  async list(itemId: string, currentId: string): Promise<ListedVersion[]> {
    const versions = this.db
      .selectFrom('file_versions')
      // Versions stored before `created_by` was kept are their owner's.
      .leftJoin('users', (join) =>
        join.on(sql<boolean>`users.id = coalesce(file_versions.created_by, file_versions.owner_id)`),
      )
      .selectAll('file_versions')
      .select(['users.id as author_id', 'users.username']);
    const current = await versions
      .select(sql<number | null>`null`.as('replaced_at'))
      .where('file_versions.id', '=', currentId)
      .execute();
    const earlier = await versions
      .innerJoin('version_history', 'version_history.version_id', 'file_versions.id')
      .select('version_history.replaced_at')
      .where('version_history.item_id', '=', itemId)
      .orderBy('version_history.replaced_at', 'desc')
      .orderBy('file_versions.id')
      .execute();
    return [...current, ...earlier];
  }

  async remove(itemId: string, versionIds: string[]): Promise<void> {
    if (versionIds.length === 0) return;
    await this.db
      .deleteFrom('version_history')
      .where('item_id', '=', itemId)
      .where('version_id', 'in', versionIds)
      .execute();
  }

  /**
   * Bytes of these items' earlier versions, each history entry once (a version in two files'
   * histories counts twice, as two copies of a file do); with `versionIds`, only those entries.
   */
  async bytesOf(itemIds: string[], versionIds?: string[]): Promise<number> {
    if (versionIds?.length === 0) return 0;
    let bytes = 0;
    for (let i = 0; i < itemIds.length; i += 500) {
      let query = this.db
        .selectFrom('version_history')
        .innerJoin('file_versions', 'file_versions.id', 'version_history.version_id')
        .select((eb) => eb.fn.sum<number | string | null>('file_versions.size').as('bytes'))
        .where('version_history.item_id', 'in', itemIds.slice(i, i + 500));
      if (versionIds) query = query.where('version_history.version_id', 'in', versionIds);
      bytes += Number((await query.executeTakeFirstOrThrow()).bytes ?? 0);
    }
    return bytes;
  }

  /** The earlier versions of these items (purged with them). */
  async versionsOf(itemIds: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < itemIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('version_history')
        .select('version_id')
        .where('item_id', 'in', itemIds.slice(i, i + 500))
        .execute();
      ids.push(...rows.map((r) => r.version_id));
    }
    return ids;
  }

  /**
   * Earlier versions past their owner's limits: replaced longer ago than the days kept, or beyond
   * the versions kept per file (the current one counts as one). A user's own limit applies when it
   * is set and below the drive's.
   */
  async beyondRetention(
    now: number,
    drive: RetentionLimits,
    limit: number,
  ): Promise<{ item_id: string; version_id: string; owner_id: string }[]> {
    const days = sql`case when users.version_keep_days is null or users.version_keep_days > ${drive.days}
      then ${drive.days} else users.version_keep_days end`;
    const count = sql`case when users.version_keep_count is null or users.version_keep_count > ${drive.count}
      then ${drive.count} else users.version_keep_count end`;
    const rows = await sql<{ item_id: string; version_id: string; owner_id: string }>`
      select h.item_id, h.version_id, h.owner_id from (
        select version_history.item_id, version_history.version_id, version_history.replaced_at,
          items.owner_id,
          row_number() over (
            partition by version_history.item_id
            order by version_history.replaced_at desc, version_history.version_id
          ) as n
        from version_history join items on items.id = version_history.item_id
      ) h join users on users.id = h.owner_id
      where h.replaced_at < ${now} - cast(${days} as bigint) * ${DAY_MS} or h.n >= ${count}
      limit ${limit}`.execute(this.db);
    return rows.rows;
  }
}
