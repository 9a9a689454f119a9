import type { Db, Tx } from '../db/database.js';
import type { ScheduledRunsTable } from '../db/schema.js';

/** Which periodic runs have been taken, so each task runs once per period over every instance. */
export class ScheduledRunRepository {
  constructor(private readonly db: Db | Tx) {}

  /**
   * Takes the task's run for `period`; false when some instance took it already. The primary key
   * decides: of two instances inserting at once, one waits for the other and then finds the row.
   */
  async take(task: string, period: number, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('scheduled_runs')
      .values({ task, period, started_at: now, finished_at: null, report: null })
      .onConflict((oc) => oc.columns(['task', 'period']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async finish(task: string, period: number, now: number, report: unknown): Promise<void> {
    await this.db
      .updateTable('scheduled_runs')
      .set({ finished_at: now, report: JSON.stringify(report) })
      .where('task', '=', task)
      .where('period', '=', period)
      .execute();
  }

  /** Forgets runs started before `before`. */
  async prune(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('scheduled_runs')
      .where('started_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** A task's runs, oldest first. */
  list(task: string): Promise<ScheduledRunsTable[]> {
    return this.db
      .selectFrom('scheduled_runs')
      .selectAll()
      .where('task', '=', task)
      .orderBy('period')
      .execute();
  }
}
