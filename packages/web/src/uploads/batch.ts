import type { UploadJob } from './job';
import { BATCH_LIMITS, splitBatches } from './plan';

/** The queued small files that can share a request with `first`: same folder, same policy, in queue order. */
export function batchOf(jobs: readonly UploadJob[], first: UploadJob): UploadJob[] {
  const companions = jobs.filter(
    (job) =>
      job.status === 'queued' &&
      !job.resumable &&
      job.destinationId === first.destinationId &&
      job.conflict === first.conflict,
  );
  return splitBatches(companions, BATCH_LIMITS)[0] ?? [first];
}

/**
 * Shares a batch request's progress out over its files, in order: the request also carries multipart
 * headers, so `loaded` of `total` is scaled to the files' bytes. Returns the bytes newly sent.
 */
export function spreadProgress(batch: readonly UploadJob[], loaded: number, total: number): number {
  const bytes = batch.reduce((sum, job) => sum + job.size, 0);
  let left = total > 0 ? (loaded / total) * bytes : 0;
  let added = 0;
  for (const job of batch) {
    const sent = Math.min(job.size, left);
    added += sent - job.sent;
    job.sent = sent;
    left -= sent;
  }
  return added;
}
