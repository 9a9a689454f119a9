import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DbHandle } from './database.js';
import { initial } from './migrations/0001-initial.js';
import { discord } from './migrations/0002-discord.js';
import { packs } from './migrations/0003-packs.js';
import { locks } from './migrations/0004-locks.js';
import { search } from './migrations/0005-search.js';
import { media } from './migrations/0006-media.js';
import { zip } from './migrations/0007-zip.js';
import { shares } from './migrations/0008-shares.js';
import { shareTokens } from './migrations/0009-share-tokens.js';
import { camera } from './migrations/0010-camera.js';
import { clusterWork } from './migrations/0011-cluster-work.js';
import { discordQuarantine } from './migrations/0012-discord-quarantine.js';
import { webdav } from './migrations/0013-webdav.js';
import { appPasswords } from './migrations/0014-app-passwords.js';
import { versionHistory } from './migrations/0016-version-history.js';
import { deviceSignIn } from './migrations/0018-device-sign-in.js';
import { starsRecent } from './migrations/0019-stars-recent.js';
import { driveIdentity } from './migrations/0020-drive-identity.js';
import { userShares } from './migrations/0021-user-shares.js';
import { quotas } from './migrations/0022-quotas.js';
import { metadataJournal } from './migrations/0023-metadata-journal.js';
import { replicas } from './migrations/0024-replicas.js';
import type { SecretBox } from '../lib/secret-box.js';

/** Keys some migrations need to seal what they move out of the clear. */
export interface MigrationKeys {
  shareTokens: SecretBox;
}

/** Migrations in order; a name, once released, never changes. */
function migrations(handle: DbHandle, keys: MigrationKeys): Record<string, Migration> {
  return {
    '0001-initial': initial(handle.dialect),
    '0002-discord': discord,
    '0003-packs': packs,
    '0004-locks': locks,
    '0005-search': search(handle.dialect),
    '0006-media': media,
    '0007-zip': zip,
    '0008-shares': shares(handle.dialect),
    '0009-share-tokens': shareTokens(keys),
    '0010-camera': camera,
    '0011-cluster-work': clusterWork(handle.dialect),
    '0012-discord-quarantine': discordQuarantine,
    '0013-webdav': webdav,
    '0014-app-passwords': appPasswords,
    '0016-version-history': versionHistory,
    '0018-device-sign-in': deviceSignIn,
    '0019-stars-recent': starsRecent,
    '0020-drive-identity': driveIdentity,
    '0021-user-shares': userShares,
    '0022-quotas': quotas,
    '0023-metadata-journal': metadataJournal(handle.dialect),
    '0024-replicas': replicas,
  };
}

/** The migrator for a database (tests also use it to stop at an earlier migration). */
export function migratorFor(handle: DbHandle, keys: MigrationKeys): Migrator {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(handle, keys)) };
  // Named explicitly: otherwise Kysely looks for its own tables in every schema it can see, and
  // another schema's migration table (another test run's) would be taken for this one's.
  return new Migrator({
    db: handle.db,
    provider,
    ...(handle.pgSchema ? { migrationTableSchema: handle.pgSchema } : {}),
  });
}

/** Brings the schema up to date; runs on every start. */
export async function migrateToLatest(handle: DbHandle, keys: MigrationKeys): Promise<void> {
  const { error, results } = await migratorFor(handle, keys).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const what = failed ? ` (migration ${failed.migrationName})` : '';
    throw new Error(`Database migration failed${what}: ${String(error)}`, { cause: error });
  }
}
