import type { Insertable } from 'kysely';
import type { Db, DbDialect, Tx } from '../db/database.js';
import type { JobRow, JobsTable } from '../db/schema.js';

/** The job queue's table. What a claim, a retry or a give-up means is decided by DbJobQueue. */
export class JobRepository {
  constructor(
    private readonly db: Db | Tx,
    private readonly dialect: DbDialect,
  ) {}

  async insert(row: Insertable<JobsTable>): Promise<void> {
    await this.db.insertInto('jobs').values(row).execute();
  }

  /**
   * Inserts a job under a fixed id unless one with that id is queued or running; one given up on is
   * replaced. Says whether it inserted. The primary key decides between instances inserting at once.
   */
  async insertUnlessActive(row: Insertable<JobsTable>): Promise<boolean> {
    const { id: _id, ...fresh } = row;
    const result = await this.db
      .insertInto('jobs')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ ...fresh, attempts: 0 })
          .where('jobs.status', '=', 'failed'),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Takes the job of one of these kinds that has waited longest: a queued one that is due, or a
   * running one whose lease ran out (its worker died). One statement, so two claimers never get the
   * same job; on PostgreSQL SKIP LOCKED lets several instances claim side by side.
   */
  claim(
    kinds: readonly string[],
    now: number,
    lockedUntil: number,
    lease: string,
  ): Promise<JobRow | undefined> {
    const next = this.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', kinds)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', now)]),
          eb.and([eb('status', '=', 'running'), eb('locked_until', '<=', now)]),
        ]),
      )
      .orderBy('run_at')
      .limit(1)
      .$if(this.dialect === 'postgres', (q) => q.forUpdate().skipLocked());
    return this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        attempts: eb('attempts', '+', 1),
        locked_until: lockedUntil,
        lease,
        updated_at: now,
      }))
      .where('id', 'in', next)
      .returningAll()
      .executeTakeFirst();
  }

  /** Moves the end of a running job's lease, if `lease` still holds it; says whether it did. */
  async renew(id: string, lease: string, lockedUntil: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ locked_until: lockedUntil, updated_at: now })
      .where('id', '=', id)
      .where('lease', '=', lease)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes a finished job, if `lease` still holds it; says whether it did. */
  async deleteLeased(id: string, lease: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('id', '=', id)
      .where('lease', '=', lease)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Ends a leased attempt: back to the queue (`queued`, due at `runAt`) or given up (`failed`). */
  async release(
    id: string,
    lease: string,
    outcome: { status: 'queued' | 'failed'; runAt?: number; error: string; now: number },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        status: outcome.status,
        ...(outcome.runAt === undefined ? {} : { run_at: outcome.runAt }),
        locked_until: null,
        lease: null,
        last_error: outcome.error,
        updated_at: outcome.now,
      })
      .where('id', '=', id)
      .where('lease', '=', lease)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Forgets failed jobs given up on before `before`. */
  async deleteFailed(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('status', '=', 'failed')
      .where('updated_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Every job of a kind, oldest first (what is queued, running or failed, for a look from outside). */
  list(kind: string): Promise<JobRow[]> {
    return this.db.selectFrom('jobs').selectAll().where('kind', '=', kind).orderBy('created_at').execute();
  }
}
