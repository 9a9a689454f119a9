import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { openDatabase, type DbDialect, type DbHandle } from '../../src/db/database.js';
import { migrateToLatest, type MigrationKeys } from '../../src/db/migrate.js';
import { SecretBox } from '../../src/lib/secret-box.js';

/** Keys for migrations of test databases; rows they seal are only ever read back by the same run. */
export const testMigrationKeys: MigrationKeys = { shareTokens: new SecretBox(randomBytes(32)) };

export interface TestDb extends DbHandle {
  /** Closes the connection and drops what the test created. */
  drop(): Promise<void>;
}

/** The databases the medium tests run on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testDialects(): DbDialect[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * A fresh database, migrated unless `migrate` is false: SQLite in memory, or a schema of its own on the
 * test PostgreSQL server.
 */
export async function openTestDb(dialect: DbDialect, options: { migrate?: boolean } = {}): Promise<TestDb> {
  const migrate = options.migrate ?? true;
  if (dialect === 'sqlite') {
    const handle = openDatabase({ url: ':memory:' });
    if (migrate) await migrateToLatest(handle, testMigrationKeys);
    return { ...handle, drop: () => handle.db.destroy() };
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `create schema ${schema}`);
  const handle = openDatabase({ url, pgSchema: schema });
  if (migrate) await migrateToLatest(handle, testMigrationKeys);
  return {
    ...handle,
    drop: async () => {
      await handle.db.destroy();
      await adminQuery(url, `drop schema ${schema} cascade`);
    },
  };
}

/** Runs one statement on its own connection (creating or dropping a schema or database). */
export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Runs a describe block once per test database. */
export function describeEachDb(title: string, body: (dialect: DbDialect) => void): void {
  for (const dialect of testDialects()) describe(`${title} [${dialect}]`, () => body(dialect));
}
