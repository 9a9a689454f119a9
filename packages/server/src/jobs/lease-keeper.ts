import type { FastifyBaseLogger } from 'fastify';
import type { ClaimedJob, JobQueue } from './job-queue.js';

/** An attempt's hold on its job: `signal` aborts when the attempt must stop. */
export interface LeaseHold {
  signal: AbortSignal;
  /** Stops renewing (the attempt is over). */
  release(): void;
}

export class LeaseLostError extends Error {}

/**
 * Keeps a claimed job's lease for as long as its attempt runs, renewing it every third of the lease,
 * so a slow job is never taken over by another worker while this one lives: only a worker that died,
 * or could not renew for two thirds of a lease (its database away, its process frozen), loses it.
 * Then the attempt is aborted: at once when a renewal finds the lease gone, or when the lease is
 * about to run out with no renewal having succeeded. Between the lease running out and that abort
 * the job may run in two places, which is why every job must be safe to repeat.
 */
export function keepLease(
  queue: JobQueue,
  job: ClaimedJob,
  leaseMs: number,
  log: FastifyBaseLogger,
  timeLimitMs?: number,
): LeaseHold {
  const lost = new AbortController();
  const everyMs = Math.max(1, Math.floor(leaseMs / 3));
  let heldUntil = Date.now() + leaseMs;
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing) return;
    renewing = true;
    const at = Date.now();
    queue
      .renew(job, at)
      .then((renewed) => {
        if (renewed) heldUntil = at + leaseMs;
        else lost.abort(new LeaseLostError(`The lease of job ${job.id} passed to another worker`));
      })
      .catch((err: unknown) => {
        log.warn({ err, job: job.id, kind: job.kind }, 'could not renew a job lease');
        if (Date.now() + everyMs >= heldUntil) {
          lost.abort(new LeaseLostError(`The lease of job ${job.id} could not be renewed in time`));
        }
      })
      .finally(() => (renewing = false));
  }, everyMs);
  timer.unref();
  const signal =
    timeLimitMs === undefined
      ? lost.signal
      : AbortSignal.any([lost.signal, AbortSignal.timeout(timeLimitMs)]);
  return { signal, release: () => clearInterval(timer) };
}
