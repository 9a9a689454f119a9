import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { ItemRow, RecentItemRow } from '../db/schema.js';
import { listedFor } from './tree-sql.js';

/** Statements stay under SQLite's limit of bound parameters. */
const BATCH = 500;

export type RecentRow = ItemRow & Pick<RecentItemRow, 'action'> & { recent_at: number };

/** The files each user opened or changed lately, one entry per user and file. */
export class RecentRepository {
  constructor(private readonly db: Db | Tx) {}

  /**
   * Records what happened, one statement per batch (which must name each user and file once). The
   * newer of two entries wins, except that an open replaces an open only `openedEveryMs` later, so
   * instances that each note the same open write it once; no entry moves back in time. A file
   * deleted meanwhile is skipped rather than failing the batch on its foreign key.
   */
  async record(entries: RecentItemRow[], openedEveryMs: number): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH) {
      const values = entries
        .slice(i, i + BATCH)
        .map((e) => sql`(${e.user_id}, ${e.item_id}, ${e.action}, ${e.at})`);
      // VALUES names its columns column1… in both databases; PostgreSQL reads the parameters as text.
      await sql`
        insert into recent_items (user_id, item_id, action, at)
        select v.column1, v.column2, v.column3, cast(v.column4 as bigint)
        from (values ${sql.join(values)}) as v
        where exists (select 1 from items where items.id = v.column2)
        on conflict (user_id, item_id) do update set action = excluded.action, at = excluded.at
        where excluded.at >= recent_items.at + case
          when excluded.action = 'opened' and recent_items.action = 'opened' then ${openedEveryMs}
          else 0 end`.execute(this.db);
    }
  }

  /** A page of the user's recent files that the list shows (see `listedFor`), newest first. */
  page(
    userId: string,
    shared: boolean,
    closedFolderIds: string[],
    offset: number,
    limit: number,
  ): Promise<RecentRow[]> {
    return this.listed(userId, shared, closedFolderIds)
      .selectAll('items')
      .select(['recent_items.action', 'recent_items.at as recent_at'])
      .orderBy('recent_items.at', 'desc')
      .orderBy('recent_items.item_id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  count(userId: string, shared: boolean, closedFolderIds: string[]): Promise<number> {
    return this.listed(userId, shared, closedFolderIds)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  /** Keeps each user's newest `keep` entries and deletes the rest; returns how many went. */
  async prune(keep: number): Promise<number> {
    const crowded = await this.db
      .selectFrom('recent_items')
      .select('user_id')
      .groupBy('user_id')
      .having((eb) => eb.fn.countAll(), '>', keep)
      .execute();
    let deleted = 0;
    for (const { user_id } of crowded) {
      // The first entry past the ones kept, in list order; it and everything older go.
      const first = await this.db
        .selectFrom('recent_items')
        .select(['at', 'item_id'])
        .where('user_id', '=', user_id)
        .orderBy('at', 'desc')
        .orderBy('item_id', 'desc')
        .offset(keep)
        .limit(1)
        .executeTakeFirst();
      if (!first) continue;
      const result = await this.db
        .deleteFrom('recent_items')
        .where('user_id', '=', user_id)
        .where((eb) =>
          eb.or([
            eb('at', '<', first.at),
            eb.and([eb('at', '=', first.at), eb('item_id', '<=', first.item_id)]),
          ]),
        )
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }

  /** The user's entries joined to the files the list shows (the cross join: see StarRepository). */
  private listed(userId: string, shared: boolean, closedFolderIds: string[]) {
    return this.db
      .selectFrom('recent_items')
      .crossJoin('items')
      .whereRef('items.id', '=', 'recent_items.item_id')
      .where('recent_items.user_id', '=', userId)
      .where(listedFor(userId, shared, closedFolderIds));
  }
}
