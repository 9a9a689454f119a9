import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { JobRow, JobsTable } from '../db/schema.js';
import type { Repositories } from '../repositories/repositories.js';
import {
  backoffMs,
  isLastAttempt,
  type ClaimedJob,
  type FailOutcome,
  type JobQueue,
  type NewJob,
} from './job-queue.js';

export interface DbJobQueueOptions {
  /**
   * How long a claim holds a job before another worker may take it over; a worker renews it while
   * the job runs, so this is how soon the job of a worker that died is run elsewhere.
   */
  leaseMs: number;
  /** The first retry's wait; each further one doubles, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const DEFAULT_JOB_QUEUE_OPTIONS: DbJobQueueOptions = {
  leaseMs: 60_000,
  retryBaseMs: 30_000,
  retryMaxMs: 3_600_000,
};

const DEFAULT_MAX_ATTEMPTS = 5;
/** Errors are kept for people to read; a stack of ffmpeg output is cut short. */
const MAX_ERROR_LENGTH = 2000;

/**
 * The job queue in the drive's own database (SQLite or PostgreSQL), so a job can be added in the
 * transaction of the change that calls for it.
 */
export class DbJobQueue implements JobQueue {
  constructor(
    private readonly repos: Repositories,
    readonly options: DbJobQueueOptions = DEFAULT_JOB_QUEUE_OPTIONS,
  ) {}

  async enqueue(job: NewJob, within: Repositories = this.repos): Promise<string> {
    const id = randomUUID();
    await within.jobs.insert(newRow(id, job, Date.now()));
    return id;
  }

  enqueueSingle(id: string, job: NewJob, within: Repositories = this.repos): Promise<boolean> {
    return within.jobs.insertUnlessActive(newRow(id, job, Date.now()));
  }

  async claim(kinds: readonly string[], now: number): Promise<ClaimedJob | undefined> {
    if (kinds.length === 0) return undefined;
    const lease = randomUUID();
    const row = await this.repos.jobs.claim(kinds, now, now + this.options.leaseMs, lease);
    return row && claimed(row, lease);
  }

  renew(job: ClaimedJob, now: number): Promise<boolean> {
    return this.repos.jobs.renew(job.id, job.lease, now + this.options.leaseMs, now);
  }

  complete(job: ClaimedJob): Promise<boolean> {
    return this.repos.jobs.deleteLeased(job.id, job.lease);
  }

  async fail(
    job: ClaimedJob,
    error: string,
    now: number,
    options: { retry?: boolean } = {},
  ): Promise<FailOutcome> {
    const retry = options.retry !== false && !isLastAttempt(job);
    const kept = error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error;
    const released = await this.repos.jobs.release(
      job.id,
      job.lease,
      retry
        ? {
            status: 'queued',
            runAt: now + backoffMs(job.attempt, this.options.retryBaseMs, this.options.retryMaxMs),
            error: kept,
            now,
          }
        : { status: 'failed', error: kept, now },
    );
    if (!released) return 'lost';
    return retry ? 'retrying' : 'failed';
  }

  prune(before: number): Promise<number> {
    return this.repos.jobs.deleteFailed(before);
  }
}

function newRow(id: string, job: NewJob, now: number): Insertable<JobsTable> {
  return {
    id,
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    status: 'queued',
    max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    run_at: job.runAt ?? now,
    locked_until: null,
    lease: null,
    last_error: null,
    created_at: now,
    updated_at: now,
  };
}

function claimed(row: JobRow, lease: string): ClaimedJob {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    lease,
    leaseUntil: row.locked_until ?? 0,
  };
}
