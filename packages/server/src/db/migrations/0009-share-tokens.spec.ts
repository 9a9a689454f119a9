import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawItem, rawUser } from '../../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, testMigrationKeys, type TestDb } from '../../../test/helpers/test-db.js';
import { hashToken } from '../../lib/token-hash.js';
import { migrateToLatest, migratorFor } from '../migrate.js';
import type { Database } from '../schema.js';

/** The shares table as 0008 made it: the token in the clear. */
interface Before extends Omit<Database, 'shares'> {
  shares: Omit<Database['shares'], 'token_hash' | 'token_sealed'> & { token: string };
}

describeEachDb('share token migration', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb(dialect, { migrate: false });
    expect((await migratorFor(db, testMigrationKeys).migrateTo('0008-shares')).error).toBeUndefined();
  });
  afterAll(() => db.drop());

  it('finding 12: replaces a stored link token by its hash and a sealed copy; the link is found as before', async () => {
    const old = db.db as unknown as Kysely<Before>;
    const now = Date.now();
    const owner = randomUUID();
    const folder = randomUUID();
    await old
      .insertInto('users')
      .values(rawUser(owner, folder, now))
      .execute();
    await old
      .insertInto('items')
      .values(rawItem({ id: folder, ownerId: owner, parentId: null, name: '' }, now))
      .execute();
    const shareId = randomUUID();
    const token = 'cleartext-token-0123456789';
    await old
      .insertInto('shares')
      .values({
        id: shareId,
        token,
        owner_id: owner,
        item_id: folder,
        mode: 'read',
        password_hash: null,
        expires_at: null,
        max_downloads: null,
        revoked_at: null,
        created_at: now,
      })
      .execute();

    await migrateToLatest(db, testMigrationKeys);

    const row = await db.db
      .selectFrom('shares')
      .selectAll()
      .where('id', '=', shareId)
      .executeTakeFirstOrThrow();
    expect(Object.values(row)).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.token_hash).toBe(hashToken(token));
    expect(testMigrationKeys.shareTokens.open(row.token_sealed, shareId)).toBe(token);
    const found = await db.db
      .selectFrom('shares')
      .select('id')
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
    expect(found?.id).toBe(shareId);
  });
});
