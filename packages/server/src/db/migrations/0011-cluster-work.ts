import { sql, type Kysely, type Migration } from 'kysely';
import type { DbDialect } from '../database.js';

/**
 * What instances sharing one database must agree on about background work and resumable uploads:
 * which periodic runs have been taken (one row per task and period), and the encrypted tails of
 * resumable uploads when every instance must be able to continue them.
 */
export function clusterWork(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scheduled_runs')
        .addColumn('task', 'text', (c) => c.notNull())
        .addColumn('period', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('report', 'text')
        .addPrimaryKeyConstraint('scheduled_runs_pk', ['task', 'period'])
        .execute();
      await db.schema
        .createTable('staged_tails')
        .addColumn('upload_id', 'text', (c) => c.notNull().references('uploads.id').onDelete('cascade'))
        .addColumn('offset', 'bigint', (c) => c.notNull())
        .addColumn('record', dialect === 'postgres' ? sql`bytea` : 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('staged_tails_pk', ['upload_id', 'offset'])
        .execute();
    },
  };
}
