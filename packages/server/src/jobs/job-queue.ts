import type { Repositories } from '../repositories/repositories.js';

/** A job to add. `payload` must survive JSON. */
export interface NewJob {
  kind: string;
  payload: unknown;
  /** Attempts before it is given up on (default 5). */
  maxAttempts?: number;
  /** Not before this time (default: now). */
  runAt?: number;
}

/** A job a worker holds a lease on. */
export interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  /** 1 for the first attempt. More than `maxAttempts` when earlier attempts died with their worker. */
  attempt: number;
  maxAttempts: number;
  /** The error of the previous attempt, if it reported one. */
  lastError: string | null;
  /** Identifies this claim: once another worker has taken the job over, this one's reports are ignored. */
  lease: string;
  leaseUntil: number;
}

/** How an attempt's failure ended: retried later, given up on, or ignored (the lease had passed on). */
export type FailOutcome = 'retrying' | 'failed' | 'lost';

/**
 * Background work that must outlive a request and survive a restart. A claimed job is leased: if its
 * worker dies, the lease runs out and the job is claimed again. A failed attempt is retried with
 * exponential backoff until its attempts are spent; the last error is kept.
 */
export interface JobQueue {
  /**
   * Adds a job. Given `within` (a transaction), the job commits or rolls back with the change that
   * called for it, so no job is lost and none runs for a change that never happened.
   */
  enqueue(job: NewJob, within?: Repositories): Promise<string>;
  /**
   * Adds a job under a fixed id, unless one with that id is queued or running (then nothing, and
   * false): work of which only one may be under way at a time, whoever asks for it.
   */
  enqueueSingle(id: string, job: NewJob, within?: Repositories): Promise<boolean>;
  /** Leases the next due job of these kinds, or none. */
  claim(kinds: readonly string[], now: number): Promise<ClaimedJob | undefined>;
  /** Extends a running job's lease from `now`; false when the lease had passed to another worker. */
  renew(job: ClaimedJob, now: number): Promise<boolean>;
  /** Removes a finished job; false when the lease had passed to another worker. */
  complete(job: ClaimedJob): Promise<boolean>;
  /** Ends a failed attempt: retried after a backoff, or given up on when `retry` is false or no attempt is left. */
  fail(job: ClaimedJob, error: string, now: number, options?: { retry?: boolean }): Promise<FailOutcome>;
  /** Forgets jobs given up on before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

/** A failure that another attempt would only repeat (input too large, a limit reached). */
export class UnrecoverableJobError extends Error {}

/** Whether a failure of this attempt ends the job. */
export function isLastAttempt(job: Pick<ClaimedJob, 'attempt' | 'maxAttempts'>): boolean {
  return job.attempt >= job.maxAttempts;
}

/** The wait before attempt `attempt + 1`: base, then doubling, capped at `max`. */
export function backoffMs(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}
