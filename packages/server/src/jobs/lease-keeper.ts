import type { FastifyBaseLogger } from 'fastify';
import { renewHold, type RenewedHold } from '../lib/renewed-hold.js';
import type { ClaimedJob, JobQueue } from './job-queue.js';

/**
 * Keeps a claimed job's lease for as long as its attempt runs, so a slow job is never taken over by
 * another worker while this one lives. The returned signal aborts the attempt when the lease is lost
 * (a renewal found it taken over, or none succeeded before it ran out) or `timeLimitMs` has passed.
 * Between the lease running out and that abort the job may run in two places, which is why every job
 * must be safe to repeat.
 */
export function keepLease(
  queue: JobQueue,
  job: ClaimedJob,
  leaseMs: number,
  log: FastifyBaseLogger,
  timeLimitMs?: number,
): RenewedHold {
  const hold = renewHold(
    leaseMs,
    () => queue.renew(job, Date.now()),
    `The lease of job ${job.id}`,
    (err) => log.warn({ err, job: job.id, kind: job.kind }, 'could not renew a job lease'),
  );
  if (timeLimitMs === undefined) return hold;
  return { signal: AbortSignal.any([hold.signal, AbortSignal.timeout(timeLimitMs)]), release: hold.release };
}
