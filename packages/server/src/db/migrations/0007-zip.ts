import type { Kysely, Migration } from 'kysely';

/**
 * The CRC-32 of a version's plaintext, which zip downloads need for every entry: kept once a download
 * has computed it, so that resuming a download does not read the entries before the resume point again.
 */
export const zip: Migration = {
  async up(db: Kysely<unknown>) {
    // bigint: a CRC-32 is unsigned and PostgreSQL's integer is signed.
    await db.schema.alterTable('file_versions').addColumn('crc32', 'bigint').execute();
  },
};
