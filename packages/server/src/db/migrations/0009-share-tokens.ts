import type { Kysely, Migration } from 'kysely';
import { hashToken } from '../../lib/token-hash.js';
import type { MigrationKeys } from '../migrate.js';

interface Before {
  shares: { id: string; token_hash: string; token_sealed: string | null };
}

/**
 * Share-link tokens leave the database in the clear: the column that held them keeps only their
 * SHA-256 (what a visitor's link is looked up by), and a copy sealed under the master key lets the
 * owner copy the link again. Renaming keeps the column's unique index on both databases.
 */
export function shareTokens(keys: MigrationKeys): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('shares').renameColumn('token', 'token_hash').execute();
      await db.schema.alterTable('shares').addColumn('token_sealed', 'text').execute();
      const kdb = db as unknown as Kysely<Before>;
      const rows = await kdb.selectFrom('shares').select(['id', 'token_hash']).execute();
      for (const row of rows) {
        const token = row.token_hash;
        await kdb
          .updateTable('shares')
          .set({ token_hash: hashToken(token), token_sealed: keys.shareTokens.seal(token, row.id) })
          .where('id', '=', row.id)
          .execute();
      }
    },
  };
}
