import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { ChunkCopyRow, ChunkRow, CopyStatus } from '../db/schema.js';

/** A stored object as chunk rows name it. */
export interface StoredObject {
  store: string;
  locator: string;
}

/** An object and how many of its copies are good. */
export interface ObjectCopies extends StoredObject {
  good: number;
  copies: number;
}

/** How many good copies the chunks of live files have, and the files that are short of them. */
export interface CopyHealth {
  objects: number;
  copies: number;
  /** Objects with fewer good copies than the drive keeps, and with none at all. */
  objectsShort: number;
  objectsLost: number;
  /** Live files with a chunk that has a single good copy (while more are kept), and with none. */
  filesSingle: number;
  filesLost: number;
  /** The first of those files, the worst first. */
  atRisk: { id: string; owner_id: string; good: number }[];
}

/**
 * Records an object as its own first copy, where a chunk row first names it (stored, packed, moved
 * to another pack). Nothing when it is known already.
 */
export async function recordOwnCopy(
  db: Db | Tx,
  object: StoredObject & { container: string },
  at: number,
): Promise<void> {
  await db
    .insertInto('chunk_copies')
    .values({
      store: object.store,
      locator: object.locator,
      copy_locator: object.locator,
      copy_container: object.container,
      created_at: at,
    })
    .onConflict((oc) => oc.columns(['store', 'locator', 'copy_locator']).doNothing())
    .execute();
}

const good = sql<number>`sum(case when chunk_copies.status = 'ok' then 1 else 0 end)`;
const hasChunk = sql<boolean>`exists (select 1 from chunks where chunks.store = chunk_copies.store and chunks.locator = chunk_copies.locator)`;

/** The copies of stored objects (migration 0024), and what the scrubber found of each. */
export class ChunkCopyRepository {
  constructor(private readonly db: Db | Tx) {}

  /** Every copy of an object, the good ones first. */
  async of(object: StoredObject): Promise<ChunkCopyRow[]> {
    const rows = await this.db
      .selectFrom('chunk_copies')
      .selectAll()
      .where('store', '=', object.store)
      .where('locator', '=', object.locator)
      .orderBy('created_at')
      .execute();
    return [...rows.filter((r) => r.status === 'ok'), ...rows.filter((r) => r.status !== 'ok')];
  }

  /** The chunk rows that name an object (a pack's files, a chunk shared by a restored version). */
  chunksOf(object: StoredObject): Promise<ChunkRow[]> {
    return this.db
      .selectFrom('chunks')
      .selectAll()
      .where('store', '=', object.store)
      .where('locator', '=', object.locator)
      .execute();
  }

  async insert(
    object: StoredObject,
    copy: { locator: string; container: string },
    at: number,
  ): Promise<void> {
    await this.db
      .insertInto('chunk_copies')
      .values({
        store: object.store,
        locator: object.locator,
        copy_locator: copy.locator,
        copy_container: copy.container,
        checked_at: at,
        deep_checked_at: at,
        created_at: at,
      })
      .execute();
  }

  async remove(object: StoredObject, copyLocator: string): Promise<void> {
    await this.db
      .deleteFrom('chunk_copies')
      .where('store', '=', object.store)
      .where('locator', '=', object.locator)
      .where('copy_locator', '=', copyLocator)
      .execute();
  }

  /** Records what a check (or a read) found of a copy. */
  async mark(
    object: StoredObject,
    copyLocator: string,
    status: CopyStatus,
    at: number,
    deep = false,
  ): Promise<void> {
    await this.db
      .updateTable('chunk_copies')
      .set({ status, checked_at: at, ...(deep ? { deep_checked_at: at } : {}) })
      .where('store', '=', object.store)
      .where('locator', '=', object.locator)
      .where('copy_locator', '=', copyLocator)
      .execute();
  }

  /**
   * The copies in these stores checked longest ago, never checked first: two queries, each in the
   * order of the `checked_at` index, so a run reads what it takes rather than sorting every copy.
   */
  async dueForCheck(stores: string[], limit: number): Promise<ChunkCopyRow[]> {
    if (stores.length === 0) return [];
    const never = await this.db
      .selectFrom('chunk_copies')
      .selectAll()
      .where('store', 'in', stores)
      .where('checked_at', 'is', null)
      .limit(limit)
      .execute();
    if (never.length === limit) return never;
    const oldest = await this.db
      .selectFrom('chunk_copies')
      .selectAll()
      .where('store', 'in', stores)
      .where('checked_at', 'is not', null)
      .orderBy('checked_at')
      .limit(limit - never.length)
      .execute();
    return [...never, ...oldest];
  }

  async count(stores: string[]): Promise<number> {
    if (stores.length === 0) return 0;
    const row = await this.db
      .selectFrom('chunk_copies')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('store', 'in', stores)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Objects of these stores, still named by a chunk, that are `short` of `wanted` good copies or
   * keep a lost or damaged one, or that have more good copies than `wanted` (`over`), fewest first.
   */
  async offTarget(
    stores: string[],
    wanted: number,
    side: 'short' | 'over',
    limit: number,
  ): Promise<ObjectCopies[]> {
    if (stores.length === 0) return [];
    const copies = sql<number>`count(*)`;
    const rows = await this.db
      .selectFrom('chunk_copies')
      .select(['store', 'locator', good.as('good'), copies.as('copies')])
      .where('store', 'in', stores)
      .where(hasChunk)
      .groupBy(['store', 'locator'])
      .having((eb) =>
        side === 'short' ? eb.or([eb(good, '<', wanted), eb(copies, '>', good)]) : eb(good, '>', wanted),
      )
      .orderBy(good)
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, good: Number(r.good), copies: Number(r.copies) }));
  }

  /**
   * Makes another copy the one chunk rows name (the one they named is lost or damaged), so reads go
   * to a good copy first. The copies follow the object to its new name.
   */
  async rename(object: StoredObject, to: { locator: string; container: string }): Promise<void> {
    await this.db
      .updateTable('chunks')
      .set({ locator: to.locator, container: to.container })
      .where('store', '=', object.store)
      .where('locator', '=', object.locator)
      .execute();
    await this.db
      .updateTable('chunk_copies')
      .set({ locator: to.locator })
      .where('store', '=', object.store)
      .where('locator', '=', object.locator)
      .execute();
  }

  /**
   * Copies of objects no chunk names any more (their files were deleted, their pack compacted):
   * removes them and returns them, for the caller to queue their objects as garbage in the same
   * transaction.
   */
  async takeOrphans(limit: number): Promise<ChunkCopyRow[]> {
    const rows = await this.db
      .selectFrom('chunk_copies')
      .selectAll()
      .where(sql<boolean>`not ${hasChunk}`)
      .limit(limit)
      .execute();
    for (const r of rows) await this.remove(r, r.copy_locator);
    return rows;
  }

  /** Of these containers of a store, those some copy is in. */
  async containersInUse(store: string, containers: string[]): Promise<Set<string>> {
    const used = new Set<string>();
    for (let i = 0; i < containers.length; i += 500) {
      const rows = await this.db
        .selectFrom('chunk_copies')
        .select('copy_container')
        .distinct()
        .where('store', '=', store)
        .where('copy_container', 'in', containers.slice(i, i + 500))
        .execute();
      for (const r of rows) used.add(r.copy_container);
    }
    return used;
  }

  /**
   * Good copies per object and the live files that are short of them. An object no copy row names
   * yet counts as one good copy: it is stored and nothing has found it gone.
   */
  async health(wanted: number, listed: number): Promise<CopyHealth> {
    const totals = await sql<{ objects: number; copies: number; short: number; lost: number }>`
      with objects as (
        select store, locator, count(*) as copies,
          sum(case when status = 'ok' then 1 else 0 end) as good
        from chunk_copies group by store, locator
      )
      select count(*) as objects, coalesce(sum(copies), 0) as copies,
        coalesce(sum(case when good < ${wanted} then 1 else 0 end), 0) as short,
        coalesce(sum(case when good = 0 then 1 else 0 end), 0) as lost
      from objects`.execute(this.db);
    const risk = sql`
      with objects as (
        select store, locator, sum(case when status = 'ok' then 1 else 0 end) as good
        from chunk_copies group by store, locator
      ), files as (
        select items.id, items.owner_id, min(coalesce(objects.good, 1)) as good
        from items
        join chunks on chunks.version_id = items.version_id
        left join objects on objects.store = chunks.store and objects.locator = chunks.locator
        where items.type = 'file' and items.trashed_at is null
        group by items.id, items.owner_id
      )`;
    const threshold = wanted > 1 ? 1 : 0;
    const counts = await sql<{ single: number; lost: number }>`
      ${risk}
      select coalesce(sum(case when good = 1 then 1 else 0 end), 0) as single,
        coalesce(sum(case when good = 0 then 1 else 0 end), 0) as lost
      from files where good <= ${threshold}`.execute(this.db);
    const atRisk = await sql<{ id: string; owner_id: string; good: number }>`
      ${risk}
      select id, owner_id, good from files where good <= ${threshold}
      order by good, id limit ${listed}`.execute(this.db);
    const t = totals.rows[0]!;
    const c = counts.rows[0]!;
    return {
      objects: Number(t.objects),
      copies: Number(t.copies),
      objectsShort: Number(t.short),
      objectsLost: Number(t.lost),
      filesSingle: Number(c.single),
      filesLost: Number(c.lost),
      atRisk: atRisk.rows.map((r) => ({ ...r, good: Number(r.good) })),
    };
  }
}
