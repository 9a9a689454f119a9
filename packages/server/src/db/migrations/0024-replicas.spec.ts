import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawUser } from '../../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, testMigrationKeys, type TestDb } from '../../../test/helpers/test-db.js';
import { Repositories } from '../../repositories/repositories.js';
import { migrateToLatest, migratorFor } from '../migrate.js';
import type { Database } from '../schema.js';

/** The tables as 0020 left them: no copies, no copies setting. */
interface Before extends Omit<Database, 'chunk_copies' | 'drive'> {
  drive: { id: string };
}

describeEachDb('replicas migration', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb(dialect, { migrate: false });
    expect((await migratorFor(db, testMigrationKeys).migrateTo('0020-drive-identity')).error).toBeUndefined();
  });
  afterAll(() => db.drop());

  it('makes every stored object its own single copy, and keeps one copy by default', async () => {
    const old = db.db as unknown as Kysely<Before>;
    const owner = randomUUID();
    await old.insertInto('users').values(rawUser(owner, randomUUID())).execute();
    const version = (id: string) => ({
      id,
      owner_id: owner,
      status: 'committed' as const,
      size: 1,
      sha256: null,
      wrapped_key: 'k',
      format: 2,
      chunk_size: 65536,
      segment_size: 65536,
      created_at: Date.now(),
    });
    const [alone, packedA, packedB, pending] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await old
      .insertInto('file_versions')
      .values([
        version(alone),
        version(packedA),
        version(packedB),
        { ...version(pending), status: 'uploading' },
      ])
      .execute();
    const chunk = (versionId: string, locator: string | null, container: string | null) => ({
      version_id: versionId,
      idx: 0,
      store: 'discord',
      chunk_key: randomUUID(),
      locator,
      plain_size: 1,
      sealed_size: 17,
      container,
    });
    await old
      .insertInto('chunks')
      .values([
        chunk(alone, '1/2/3/a.bin', '1/2'),
        // Two files in one pack name the same object.
        { ...chunk(packedA, '1/4/5/p.bin', '1/4'), pack_id: 'p', pack_offset: 0 },
        { ...chunk(packedB, '1/4/5/p.bin', '1/4'), pack_id: 'p', pack_offset: 17 },
        chunk(pending, null, null),
      ])
      .execute();

    await migrateToLatest(db, testMigrationKeys);

    const rows = await db.db
      .selectFrom('chunk_copies')
      .select(['store', 'locator', 'copy_locator', 'copy_container', 'status', 'checked_at'])
      .orderBy('locator')
      .execute();
    expect(rows).toEqual([
      {
        store: 'discord',
        locator: '1/2/3/a.bin',
        copy_locator: '1/2/3/a.bin',
        copy_container: '1/2',
        status: 'ok',
        checked_at: null,
      },
      {
        store: 'discord',
        locator: '1/4/5/p.bin',
        copy_locator: '1/4/5/p.bin',
        copy_container: '1/4',
        status: 'ok',
        checked_at: null,
      },
    ]);
    const repos = new Repositories(db);
    expect(await repos.drive.replicas()).toBe(1);
    // Each copy's container is in use: the collector and the sweep leave it alone.
    expect(await repos.versions.containersInUse('discord', ['1/2', '1/4', '1/9'])).toEqual(
      new Set(['1/2', '1/4']),
    );
  });
});
