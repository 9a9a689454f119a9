import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobHandler } from '../jobs/job-worker.js';
import type { Repositories } from '../repositories/repositories.js';

export const MAINTENANCE_JOB = 'maintenance';
/** The scrubber's runs (ScrubService), scheduled the same way beside maintenance. */
export const SCRUB_JOB = 'scrub';

/** Work done once per period, which reports what it did. */
export interface PeriodicWork {
  run(): Promise<object>;
  /** Told once a run's report is recorded (what admins are shown reads it from there). */
  recorded?(report: object): void;
}

/** A failed run is retried (after the queue's backoff) before the next periods take over. */
const MAINTENANCE_ATTEMPTS = 3;
/** Runs are kept this long, with what each did, for someone to look at. */
const KEEP_RUNS_MS = 7 * 86_400_000;

const payload = z.object({ period: z.number().int() });

/**
 * Periodic work (housekeeping, the scrubber), once per interval over all the instances that share
 * the database, each task under its own name.
 * Every instance's timer asks for the current period's run (the interval's number since the epoch);
 * the first to take the period in `scheduled_runs` queues the maintenance job, and whichever worker
 * claims it runs it. The job has a fixed id, so a run that outlasts its period is never joined by the
 * next one: that period is recorded as skipped, as a single process skipped a tick while busy.
 * A run whose instance died is taken over once its lease runs out.
 */
export class MaintenanceSchedule implements JobHandler {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repos: Repositories,
    private readonly queue: JobQueue,
    private readonly task: string,
    private readonly work: PeriodicWork,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Asks for the current period's run now, and again every interval. */
  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Queues the run of the period `now` falls in, unless it is taken; says whether this call queued it. */
  async tick(now: number = Date.now()): Promise<boolean> {
    const period = Math.floor(now / this.intervalMs);
    try {
      return await this.repos.transaction(async (r) => {
        if (!(await r.scheduledRuns.take(this.task, period, now))) return false;
        const job = { kind: this.task, payload: { period }, maxAttempts: MAINTENANCE_ATTEMPTS };
        if (await this.queue.enqueueSingle(this.task, job, r)) return true;
        await r.scheduledRuns.finish(this.task, period, now, {
          skipped: 'the previous run was under way',
        });
        return false;
      });
    } catch (err) {
      this.log.error({ err }, `could not queue ${this.task}`);
      return false;
    }
  }

  async run(job: unknown): Promise<void> {
    const { period } = payload.parse(job);
    const report = await this.work.run();
    const now = Date.now();
    await this.repos.scheduledRuns.finish(this.task, period, now, report);
    this.work.recorded?.(report);
    await this.repos.scheduledRuns.prune(now - KEEP_RUNS_MS);
    this.log.debug({ period, report }, `${this.task} finished`);
  }

  async gaveUp(job: unknown, error: string): Promise<void> {
    this.log.error({ job, error }, `${this.task} failed`);
  }
}
