import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { foldForSearch } from '@idrive/shared';
import type { DbHandle } from '../db/database.js';
import { migrateToLatest, migratorFor } from '../db/migrate.js';
import { newItemRow } from '../services/item.service.js';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { rawItem, rawUser } from '../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, testMigrationKeys, type TestDb } from '../../test/helpers/test-db.js';
import { Repositories } from './repositories.js';
import type { SearchFilters, SearchOrder } from './search.repository.js';

const WORDS = ['żółty', 'zielony', 'łąka', 'źródło', 'Ślimak', 'gęś', 'ćma', 'Kraków', 'budżet', 'raport'];
const ALL: SearchOrder = { sort: 'name', order: 'asc', offset: 0, limit: 100_000 };

describeEachDb('search index', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let ownerId: string;
  const names = new Map<string, string>();

  beforeAll(async () => {
    db = await openTestDb(dialect);
    t = await startTestApp({ dialect, overrides: { db } });
    const u = await newDriveUser(t);
    ownerId = u.userId;
    // A few thousand rows: enough for the planners to prefer an index when they have one.
    const now = Date.now();
    for (let f = 0; f < 30; f++) {
      const folder = newItemRow({
        owner_id: ownerId,
        parent_id: u.root,
        type: 'folder',
        name: `folder ${f}`,
        now,
      });
      const files = Array.from({ length: 100 }, (_, i) =>
        newItemRow({
          owner_id: ownerId,
          parent_id: folder.id,
          type: 'file',
          name: `${WORDS[(f + i) % WORDS.length]} ${WORDS[(f * 7 + i * 3) % WORDS.length]} ${f * 100 + i}.txt`,
          now,
        }),
      );
      await t.drive.repos.items.insertMany([folder, ...files]);
      for (const row of [folder, ...files]) names.set(row.id, row.name);
    }
  });
  afterAll(async () => {
    await t.close();
    await db.drop().catch(() => undefined);
  });

  const filters = (text: string): SearchFilters => ({
    userId: ownerId,
    shared: false,
    text: foldForSearch(text),
    excludedFolderIds: [],
  });

  async function plan(query: CompiledQuery): Promise<string> {
    if (dialect === 'sqlite') {
      const rows = await db.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      return rows.rows.map((r) => r.detail).join('\n');
    }
    const rows = await db.db.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]),
    );
    return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** A user with 100,000 files, written in one statement, with fresh planner statistics. */
  async function bigDrive(): Promise<{ ownerId: string; folderId: string }> {
    const u = await newDriveUser(t);
    await sql`
      insert into items (id, owner_id, parent_id, type, name, name_key, search_name, size, created_at, updated_at)
      select md5(${u.userId} || i), ${u.userId}, ${u.root}, 'file', 'file ' || i, 'file ' || i, 'file ' || i, i, 0, 0
      from generate_series(1, 100000) as i`.execute(db.db);
    await sql`analyze items`.execute(db.db);
    return { ownerId: u.userId, folderId: u.root };
  }

  it('answers a name search from the trigram index, whatever else is asked', async () => {
    // SQLite's planner has no statistics, and the few thousand rows above show its choice.
    // PostgreSQL's has, and rightly reads a small drive whole through the owner index: it gets a big one.
    const drive =
      dialect === 'sqlite'
        ? { ownerId, folderId: [...names].find(([, name]) => name === 'folder 3')![0] }
        : await bigDrive();
    const tag = {
      id: randomUUID(),
      owner_id: drive.ownerId,
      name: 't',
      name_key: 't',
      color: '#000',
      created_at: 0,
    };
    await t.drive.repos.tags.insert(tag);
    const { folderId } = drive;
    const on = (text: string): SearchFilters => ({ ...filters(text), userId: drive.ownerId });
    for (const f of [
      on('żółty łąka 12'),
      { ...on('raport zielony 45'), kinds: ['text' as const], minSize: 0 },
      { ...on('file 1234'), withinFolderId: folderId, tagIds: [tag.id], excludedFolderIds: [folderId] },
    ]) {
      const shown = await plan(t.drive.repos.search.pageQuery(f, ALL).compile(db.db));
      if (dialect === 'sqlite') {
        expect(shown).toMatch(/SCAN items_search VIRTUAL TABLE INDEX \d+:M/);
        // Not the owner index, which would walk every one of the owner's items.
        expect(shown).not.toMatch(/items_trash/);
      } else {
        expect(shown).toMatch(/Bitmap Index Scan on items_search_trgm/);
      }
    }
  });

  it('finds exactly what a scan of every name finds, for long and short texts', async () => {
    for (const text of ['żół', 'ZOL', 'łąka ż', 'ĆMA', 'ow', 'a', 'ść', '12.txt', 'kraków 9', 'nowhere']) {
      const { rows, total } = await t.drive.repos.search.find(filters(text), ALL);
      const expected = [...names]
        .filter(([, name]) => foldForSearch(name).includes(foldForSearch(text)))
        .map(([id]) => id)
        .sort();
      expect(rows.map((r) => r.id).sort(), text).toEqual(expected);
      expect(total, text).toBe(expected.length);
    }
  });

  it('keeps search names and the index in step with every way names change and rows go', async () => {
    const u = await newDriveUser(t);
    const folder = await u.mkdir(u.root, 'Źródła');
    const file = await u.upload(folder.id, 'Gęś.txt', 'x');
    await u.batch(folder.id, [{ path: 'Pakiet/Łosoś.txt', data: 'y' }]);
    await u.request('PATCH', `/items/${file.id}`, { name: 'Ćma nocna.txt' });
    await u.request('POST', '/items/copy', { ids: [folder.id], parentId: u.root });
    await u.trash(file.id);
    await u.upload(folder.id, 'Ćma nocna.txt', 'z');
    await u.restore(file.id);
    await u.trash(folder.id);
    await u.request('POST', '/trash/delete', { ids: [folder.id] });

    const rows = await db.db.selectFrom('items').select(['name', 'search_name']).execute();
    for (const row of rows) expect(row.search_name, row.name).toBe(foldForSearch(row.name));
    const { rows: found } = await t.drive.repos.search.find(
      { ...filters('cma nocna'), userId: u.userId },
      ALL,
    );
    expect(found.map((r) => r.name).sort()).toEqual(['Ćma nocna.txt']);
    if (dialect === 'sqlite') {
      // Checks that the FTS index holds exactly the rows and names of `items`, deleted
      // (and cascaded) rows included.
      await sql`insert into items_search (items_search, rank) values ('integrity-check', 1)`.execute(db.db);
    }
  });

  it('gives items that existed before the search migration their search names', async () => {
    const old = await openTestDb(dialect, { migrate: false });
    try {
      const migrated = await migratorFor(old, testMigrationKeys).migrateTo('0004-locks');
      expect(migrated.error).toBeUndefined();
      const { userId, rootId, rows } = await oldDrive(old, 1_250);
      await migrateToLatest(old, testMigrationKeys);
      const repos = new Repositories(old);
      const stored = await old.db.selectFrom('items').select(['name', 'search_name']).execute();
      for (const row of stored) expect(row.search_name).toBe(foldForSearch(row.name));
      const { rows: found, total } = await repos.search.find(
        { userId, shared: false, text: 'zolc 12', excludedFolderIds: [] },
        ALL,
      );
      const expected = rows.filter((r) => foldForSearch(r.name).includes('zolc 12'));
      expect(total).toBe(expected.length);
      expect(found.map((r) => r.name).sort()).toEqual(expected.map((r) => r.name).sort());
      expect(found.every((r) => r.parent_id === rootId)).toBe(true);
    } finally {
      await old.drop();
    }
  });
});

/** A user with `count` files under the root, written as the schema before search had them. */
async function oldDrive(handle: DbHandle, count: number) {
  const userId = randomUUID();
  const rootId = randomUUID();
  const now = Date.now();
  await handle.db
    .insertInto('users')
    .values(rawUser(userId, rootId, now))
    .execute();
  const row = (id: string, parentId: string | null, name: string) =>
    rawItem({ id, ownerId: userId, parentId, name, type: parentId ? 'file' : 'folder' }, now);
  const rows = Array.from({ length: count }, (_, i) => row(randomUUID(), rootId, `Żółć ${i}.txt`));
  for (let i = 0; i < rows.length; i += 500) {
    await handle.db
      .insertInto('items')
      .values(i === 0 ? [row(rootId, null, ''), ...rows.slice(0, 500)] : rows.slice(i, i + 500))
      .execute();
  }
  return { userId, rootId, rows };
}
