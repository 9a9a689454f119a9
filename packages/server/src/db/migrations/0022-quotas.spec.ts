import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawItem, rawUser } from '../../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, testMigrationKeys, type TestDb } from '../../../test/helpers/test-db.js';
import { Repositories } from '../../repositories/repositories.js';
import { migrateToLatest, migratorFor } from '../migrate.js';
import type { Database } from '../schema.js';

/** The tables as 0020 left them: no quotas, settings or reservations, every upload's length known. */
interface Before extends Omit<Database, 'users' | 'uploads' | 'settings' | 'quota_reservations'> {
  users: Omit<Database['users'], 'quota_bytes'>;
}

describeEachDb('quotas migration', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb(dialect, { migrate: false });
    expect((await migratorFor(db, testMigrationKeys).migrateTo('0020-drive-identity')).error).toBeUndefined();
  });
  afterAll(() => db.drop());

  it('counts used bytes again with earlier versions, and leaves every account without a quota', async () => {
    const old = db.db as unknown as Kysely<Before>;
    const version = (size: number) => ({
      id: randomUUID(),
      owner_id: owner,
      status: 'committed' as const,
      size,
      sha256: null,
      wrapped_key: 'k',
      format: 2,
      chunk_size: 65536,
      segment_size: 65536,
      created_at: Date.now(),
    });
    const owner = randomUUID();
    const root = randomUUID();
    const other = randomUUID();
    // What used bytes were before: the current content of every file, trash included.
    await old
      .insertInto('users')
      .values({ ...rawUser(owner, root), used_bytes: 1_300 })
      .execute();
    await old
      .insertInto('users')
      .values({ ...rawUser(other, randomUUID()), username: 'b', username_key: 'b' })
      .execute();
    const [live, trashed, earlier, older] = [version(1_000), version(300), version(700), version(50)];
    await old.insertInto('file_versions').values([live, trashed, earlier, older]).execute();
    await old
      .insertInto('items')
      .values(rawItem({ id: root, ownerId: owner, parentId: null, name: '' }))
      .execute();
    const file = randomUUID();
    await old
      .insertInto('items')
      .values([
        rawItem({ id: file, ownerId: owner, parentId: root, name: 'a.bin', versionId: live.id, size: 1_000 }),
        {
          ...rawItem({
            id: randomUUID(),
            ownerId: owner,
            parentId: root,
            name: 'b.bin',
            versionId: trashed.id,
          }),
          size: 300,
          trashed_at: Date.now(),
        },
      ])
      .execute();
    await old
      .insertInto('version_history')
      .values([
        { item_id: file, version_id: earlier.id, replaced_at: Date.now() },
        { item_id: file, version_id: older.id, replaced_at: Date.now() },
      ])
      .execute();

    await migrateToLatest(db, testMigrationKeys);

    const repos = new Repositories(db);
    expect(await repos.users.findById(owner)).toMatchObject({ used_bytes: 2_050, quota_bytes: null });
    expect(await repos.users.findById(other)).toMatchObject({ used_bytes: 0, quota_bytes: null });
    expect(await repos.settings.get()).toEqual({ id: 1, default_quota_bytes: null });
    expect(await repos.quotas.reservedFor(owner)).toBe(0);
  });
});
