import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DbHandle } from './database.js';
import { initial } from './migrations/0001-initial.js';
import { discord } from './migrations/0002-discord.js';
import { packs } from './migrations/0003-packs.js';
import { locks } from './migrations/0004-locks.js';
import { shares } from './migrations/0008-shares.js';

/** Migrations in order; a name, once released, never changes. */
function migrations(handle: DbHandle): Record<string, Migration> {
  return {
    '0001-initial': initial(handle.dialect),
    '0002-discord': discord,
    '0003-packs': packs,
    '0004-locks': locks,
    '0008-shares': shares(handle.dialect),
  };
}

/** Brings the schema up to date; runs on every start. */
export async function migrateToLatest(handle: DbHandle): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(handle)) };
  const migrator = new Migrator({ db: handle.db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const what = failed ? ` (migration ${failed.migrationName})` : '';
    throw new Error(`Database migration failed${what}: ${String(error)}`, { cause: error });
  }
}
