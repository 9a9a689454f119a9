import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawUser } from '../../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, testMigrationKeys, type TestDb } from '../../../test/helpers/test-db.js';
import { Repositories } from '../../repositories/repositories.js';
import { migrateToLatest, migratorFor } from '../migrate.js';
import type { Database } from '../schema.js';

/** The tables as 0014 left them: no drive, versions without a format. */
interface Before extends Omit<Database, 'drive' | 'file_versions'> {
  file_versions: Omit<Database['file_versions'], 'format'>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeEachDb('drive identity migration', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb(dialect, { migrate: false });
    expect((await migratorFor(db, testMigrationKeys).migrateTo('0014-app-passwords')).error).toBeUndefined();
  });
  afterAll(() => db.drop());

  it('gives an existing drive an id once, and marks the versions it stored as format 1', async () => {
    const old = db.db as unknown as Kysely<Before>;
    const owner = randomUUID();
    await old.insertInto('users').values(rawUser(owner, randomUUID())).execute();
    const versionId = randomUUID();
    await old
      .insertInto('file_versions')
      .values({
        id: versionId,
        owner_id: owner,
        status: 'committed',
        size: 1,
        sha256: null,
        wrapped_key: 'k',
        chunk_size: 65536,
        segment_size: 65536,
        created_at: Date.now(),
      })
      .execute();

    await migrateToLatest(db, testMigrationKeys);

    const repos = new Repositories(db);
    expect((await repos.versions.findById(versionId))?.format).toBe(1);
    const driveId = await repos.drive.id();
    expect(driveId).toMatch(UUID);
    await migrateToLatest(db, testMigrationKeys);
    expect(await repos.drive.id()).toBe(driveId);
    expect(await db.db.selectFrom('drive').select('id').execute()).toEqual([{ id: driveId }]);
  });

  it('gives every new drive an id of its own', async () => {
    const fresh = await openTestDb(dialect);
    try {
      const id = await new Repositories(fresh).drive.id();
      expect(id).toMatch(UUID);
      expect(id).not.toBe(await new Repositories(db).drive.id());
    } finally {
      await fresh.drop();
    }
  });
});
