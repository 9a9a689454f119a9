import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { rawItem, rawUser } from '../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { Repositories } from '../repositories/repositories.js';
import { openDatabase } from './database.js';
import { JOURNALED_TABLES, syncJournalCapture } from './journal-capture.js';

/** The outbox as JSON records, oldest first. */
async function outbox(repos: Repositories) {
  return (await repos.journal.outboxAfter(0, 10_000)).map((r) => ({
    seq: r.seq,
    table: r.tbl,
    op: r.op,
    key: JSON.parse(r.pk) as Record<string, unknown>,
    row: r.row === null ? null : (JSON.parse(r.row) as Record<string, unknown>),
  }));
}

/** Tables a restore need not bring back, and why: every other table must be journaled. */
const NOT_JOURNALED: Record<string, string> = {
  sessions: 'a restored drive signs everyone in again',
  unlock_grants: 'they belong to sessions',
  device_pairings: 'they last three minutes',
  jobs: 'a restore queues pending thumbnails again',
  scheduled_runs: 'the next period runs again',
  staged_tails: 'a resumed upload sends its tail again',
  share_visits: 'a log, not state',
  recent_items: 'a log, not state',
  quota_reservations: "an upload's, gone with it",
  settings: 'a new database makes its own row; the default quota is set again',
  journal_outbox: 'the journal itself',
  journal_head: 'the journal itself',
  journal_state: 'the journal itself (a restore sets it)',
};

describeEachDb('the journal outbox', (dialect) => {
  let db: TestDb;
  let repos: Repositories;
  beforeEach(async () => {
    db = await openTestDb(dialect);
    await syncJournalCapture(db, true);
    repos = new Repositories(db);
  });
  afterEach(() => db.drop());

  async function user(): Promise<{ userId: string; rootId: string }> {
    const userId = randomUUID();
    const rootId = randomUUID();
    await repos.transaction(async (r) => {
      await r.users.insert({ ...rawUser(userId, rootId), username: userId, username_key: userId });
      await r.items.insert(rawItem({ id: rootId, ownerId: userId, parentId: null, name: '' }));
    });
    return { userId, rootId };
  }

  it('records every change with the whole row as the table holds it, in commit order, numbered without gaps', async () => {
    const { userId, rootId } = await user();
    const folder = randomUUID();
    await repos.items.insert(rawItem({ id: folder, ownerId: userId, parentId: rootId, name: 'a' }));
    await repos.items.update(folder, { name: 'b', name_key: 'b' });
    await repos.transaction(async (r) => {
      await r.users.addUsedBytes(userId, 5);
      await r.items.deleteByIds([folder]);
    });
    const records = await outbox(repos);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    expect(records.map((r) => `${r.table} ${r.op}`)).toEqual([
      'users upsert',
      'items upsert',
      'items upsert',
      'items upsert',
      'users upsert',
      'items delete',
    ]);
    expect(await repos.journal.head()).toBe(records.length);
    const user_ = await db.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(records[4]!.row).toEqual(user_);
    expect(records[3]!.row).toMatchObject({ id: folder, name: 'b', search_name: 'b' });
    expect(records[5]).toMatchObject({ key: { id: folder }, row: null });
  });

  it('records rows a cascade deletes, a changed key as a delete and an upsert, and no unchanged update', async () => {
    const { userId, rootId } = await user();
    const tagId = randomUUID();
    await repos.tags.insert({
      id: tagId,
      owner_id: userId,
      name: 't',
      name_key: 't',
      color: '#112233',
      created_at: 1,
    });
    await repos.tags.tagItems([rootId], [tagId]);
    const token = randomUUID();
    await db.db
      .insertInto('dav_locks')
      .values({
        token,
        user_id: userId,
        path: 'a',
        infinite: 0,
        exclusive: 1,
        owner_xml: null,
        timeout_seconds: 60,
        expires_at: 2,
        created_at: 1,
      })
      .execute();
    const before = (await outbox(repos)).length;
    await repos.tags.update(tagId, { color: '#112233' });
    expect((await outbox(repos)).length).toBe(before);

    const renamed = randomUUID();
    await db.db.updateTable('dav_locks').set({ token: renamed }).where('token', '=', token).execute();
    await repos.tags.delete(tagId);
    const changes = (await outbox(repos)).slice(before).map((r) => [r.table, r.op, r.key]);
    expect(changes.slice(0, 2)).toEqual([
      ['dav_locks', 'delete', { token }],
      ['dav_locks', 'upsert', { token: renamed }],
    ]);
    // The cascade's delete comes before or after its cause's, as the database runs it.
    expect(changes.slice(2)).toEqual(
      expect.arrayContaining([
        ['item_tags', 'delete', { item_id: rootId, tag_id: tagId }],
        ['tags', 'delete', { id: tagId }],
      ]),
    );
    expect(changes).toHaveLength(4);
  });

  it('journals every table of the schema, but those a restore need not bring back', async () => {
    // On PostgreSQL the server shows other schemas' tables too (other test runs'): only this one's count.
    const tables = (await db.db.introspection.getTables())
      .filter((t) => dialect === 'sqlite' || t.schema === db.pgSchema)
      .map((t) => t.name)
      .filter((name) => !name.startsWith('kysely_') && !name.startsWith('items_search'));
    const journaled = new Set(JOURNALED_TABLES.map((t) => t.name as string));
    expect(tables.filter((name) => !journaled.has(name) && !(name in NOT_JOURNALED))).toEqual([]);
    expect([...journaled].filter((name) => !tables.includes(name))).toEqual([]);
  });

  it('captures every column of every journaled table, and a column a later migration adds after the next start', async () => {
    const { userId } = await user();
    await (db.db as unknown as Kysely<unknown>).schema
      .alterTable('tags')
      .addColumn('later', 'text')
      .execute();
    await syncJournalCapture(db, true);
    await sql`insert into tags (id, owner_id, name, name_key, color, created_at, later) values (${randomUUID()}, ${userId}, 'x', 'x', '#000000', 1, 'kept')`.execute(
      db.db,
    );
    const last = (await outbox(repos)).at(-1)!;
    expect(last).toMatchObject({ table: 'tags', op: 'upsert', row: { later: 'kept' } });
  });

  it('stops capturing when turned off, and once on again asks for a checkpoint', async () => {
    await syncJournalCapture(db, false);
    await user();
    expect(await outbox(repos)).toEqual([]);
    expect(await syncJournalCapture(db, true)).toBe(true);
    expect((await repos.journal.state()).checkpoint_due).toBe(1);
    expect(await syncJournalCapture(db, true)).toBe(false);
    await user();
    expect((await outbox(repos)).length).toBe(2);
  });

  if (dialect === 'postgres') {
    it('numbers transactions in the order they commit, so a reader never sees a later number before an earlier one', async () => {
      const { userId, rootId } = await user();
      const before = await repos.journal.head();
      // A second connection to the same schema: two transactions side by side.
      const second = openDatabase({ url: process.env.TEST_DATABASE_URL!, pgSchema: db.pgSchema! });
      try {
        const slow = db.db.transaction().execute(async (tx) => {
          await tx
            .insertInto('items')
            .values(rawItem({ id: randomUUID(), ownerId: userId, parentId: rootId, name: 'slow' }))
            .execute();
          await new Promise((resolve) => setTimeout(resolve, 300));
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await second.db
          .insertInto('items')
          .values(rawItem({ id: randomUUID(), ownerId: userId, parentId: rootId, name: 'fast' }))
          .execute();
        // The fast one committed while the slow one is still open: it is visible, numbered next.
        const seen = await outbox(repos);
        expect(seen.at(-1)).toMatchObject({ seq: before + 1, row: { name: 'fast' } });
        await slow;
        expect((await outbox(repos)).at(-1)).toMatchObject({ seq: before + 2, row: { name: 'slow' } });
      } finally {
        await second.db.destroy();
      }
    });
  }
});
