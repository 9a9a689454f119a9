import type { FastifyBaseLogger } from 'fastify';
import { isLastAttempt, UnrecoverableJobError, type ClaimedJob, type JobQueue } from './job-queue.js';
import { keepLease } from './lease-keeper.js';

/** What runs the jobs of one kind. */
export interface JobHandler {
  /**
   * Runs one attempt; throwing fails it (an UnrecoverableJobError gives up at once). `signal` aborts
   * when the attempt has run for `timeLimitMs`, or when this worker lost the job's lease.
   */
  run(payload: unknown, signal: AbortSignal): Promise<void>;
  /** How long one attempt may run before it is aborted (and retried later); unset, as long as it takes. */
  readonly timeLimitMs?: number;
  /**
   * Called once the job is given up on, before the queue records it, so a crash in between only
   * repeats the call: it must be idempotent.
   */
  gaveUp(payload: unknown, error: string): Promise<void>;
}

const POLL_MS = 1000;
const PRUNE_EVERY_MS = 3_600_000;
/** Jobs given up on are kept this long, with their last error, for someone to look at. */
const KEEP_FAILED_MS = 30 * 86_400_000;

/**
 * Runs queued jobs of some kinds in this process, one at a time (thumbnails are CPU work, and the HTTP
 * thread needs its core). It polls while idle and goes straight on to the next job while there is
 * work; the lease of the job in hand is renewed while it runs.
 */
export class JobWorker {
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: Readonly<Record<string, JobHandler>>,
    private readonly log: FastifyBaseLogger,
    private readonly pollMs: number = POLL_MS,
  ) {}

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.runLoop();
  }

  /** Stops polling and waits for the job in hand to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Claims and runs one due job; false when there was none. */
  async runOnce(now: number = Date.now()): Promise<boolean> {
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.queue.prune(now - KEEP_FAILED_MS);
    }
    const job = await this.queue.claim(Object.keys(this.handlers), now);
    if (!job) return false;
    const handler = this.handlers[job.kind]!;
    if (job.attempt > job.maxAttempts) {
      // The last attempt died with its worker (a crash, or a restart mid-job), and none is left.
      const error = job.lastError ?? `Each of ${job.maxAttempts} attempts stopped before it finished`;
      await handler.gaveUp(job.payload, error);
      await this.queue.fail(job, error, now, { retry: false });
      return true;
    }
    const about = { job: job.id, kind: job.kind, attempt: job.attempt };
    this.log.debug(about, 'job started');
    const hold = keepLease(this.queue, job, job.leaseUntil - now, this.log, handler.timeLimitMs);
    try {
      await handler.run(job.payload, hold.signal);
    } catch (err) {
      await this.failed(job, handler, err, now);
      return true;
    } finally {
      hold.release();
    }
    if (await this.queue.complete(job)) this.log.debug(about, 'job finished');
    else this.log.warn(about, 'job finished after its lease had passed on');
    return true;
  }

  /** Runs due jobs until none is left; returns how many ran. */
  async drain(now: number = Date.now()): Promise<number> {
    let ran = 0;
    while (await this.runOnce(now)) ran++;
    return ran;
  }

  private async failed(job: ClaimedJob, handler: JobHandler, err: unknown, now: number): Promise<void> {
    const error = err instanceof Error ? err.message : String(err);
    const retry = !(err instanceof UnrecoverableJobError);
    if (!retry || isLastAttempt(job)) await handler.gaveUp(job.payload, error);
    const outcome = await this.queue.fail(job, error, now, { retry });
    this.log.warn({ job: job.id, kind: job.kind, attempt: job.attempt, outcome, error }, 'job failed');
  }

  private async runLoop(): Promise<void> {
    while (!this.stopping) {
      let ran = false;
      try {
        ran = await this.runOnce();
      } catch (err) {
        this.log.error({ err }, 'job queue unavailable');
      }
      if (!ran && !this.stopping) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
