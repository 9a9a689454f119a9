import pino from 'pino';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDb, openTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { Repositories } from '../repositories/repositories.js';
import { DbJobQueue } from './db-job-queue.js';
import { JobWorker, type JobHandler } from './job-worker.js';

const LEASE = 200;
const log = pino({ level: 'silent' });

/** A handler that records what it was asked to do, and runs `body` for each attempt. */
function recording(body: (payload: unknown, signal: AbortSignal) => Promise<void> = async () => undefined) {
  const calls = { runs: [] as unknown[], gaveUp: [] as { payload: unknown; error: string }[] };
  const handler: JobHandler = {
    async run(payload, signal) {
      calls.runs.push(payload);
      await body(payload, signal);
    },
    async gaveUp(payload, error) {
      calls.gaveUp.push({ payload, error });
    },
  };
  return { handler, calls };
}

describeEachDb('job worker', (dialect) => {
  let db: TestDb;
  let repos: Repositories;
  let queue: DbJobQueue;
  let kind: string;
  let kinds = 0;

  beforeAll(async () => {
    db = await openTestDb(dialect);
    repos = new Repositories(db);
    queue = new DbJobQueue(repos, { leaseMs: LEASE, retryBaseMs: 1000, retryMaxMs: 1000 });
  });
  afterAll(() => db.drop());
  beforeEach(() => {
    kind = `worker-${++kinds}`;
  });

  it('runs queued jobs in the background once started, and stop() waits for the job in hand', async () => {
    let started!: () => void;
    let release!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const { handler, calls } = recording(
      () =>
        new Promise<void>((done) => {
          release = done;
          started();
        }),
    );
    // A lease long enough that the held job is not aborted meanwhile.
    const patient = new DbJobQueue(repos, { leaseMs: 60_000, retryBaseMs: 1000, retryMaxMs: 1000 });
    const worker = new JobWorker(patient, { [kind]: handler }, log, 10);
    worker.start();
    await queue.enqueue({ kind, payload: { n: 1 } });
    // Found by polling.
    await running;
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(calls.runs).toEqual([{ n: 1 }]);
    expect(await repos.jobs.list(kind)).toEqual([]);
  });

  it('gives up, with a reason, on a job whose every attempt died with its worker', async () => {
    const { handler, calls } = recording();
    const worker = new JobWorker(queue, { [kind]: handler }, log);
    await queue.enqueue({ kind, payload: { n: 2 }, maxAttempts: 2, runAt: 0 });
    const t0 = Date.now();
    expect(await queue.claim([kind], t0)).toBeDefined();
    expect(await queue.claim([kind], t0 + LEASE)).toBeDefined();

    expect(await worker.runOnce(t0 + 2 * LEASE)).toBe(true);
    expect(calls.runs).toEqual([]);
    expect(calls.gaveUp).toEqual([
      { payload: { n: 2 }, error: 'Each of 2 attempts stopped before it finished' },
    ]);
    expect(await repos.jobs.list(kind)).toMatchObject([{ status: 'failed' }]);
  });

  it('aborts an attempt that runs past its time limit, and retries it later', async () => {
    const { handler, calls } = recording(
      (_payload, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
    );
    const worker = new JobWorker(queue, { [kind]: { ...handler, timeLimitMs: 50 } }, log);
    await queue.enqueue({ kind, payload: { n: 3 }, runAt: 0 });
    const began = Date.now();
    expect(await worker.runOnce()).toBe(true);
    expect(Date.now() - began).toBeGreaterThanOrEqual(45);
    expect(Date.now() - began).toBeLessThan(LEASE);
    expect(calls.gaveUp).toEqual([]);
    expect(await repos.jobs.list(kind)).toMatchObject([{ status: 'queued', attempts: 1 }]);
  });

  it('renews the lease of a job that runs for several leases, so no other worker takes it', async () => {
    let takenBySomeoneElse: unknown;
    const { handler, calls } = recording(async () => {
      for (let i = 0; i < 8; i++) {
        await new Promise((resolve) => setTimeout(resolve, LEASE / 2));
        takenBySomeoneElse ??= await queue.claim([kind], Date.now());
      }
    });
    const worker = new JobWorker(queue, { [kind]: handler }, log);
    await queue.enqueue({ kind, payload: { n: 4 }, runAt: 0 });
    expect(await worker.runOnce()).toBe(true);
    expect(takenBySomeoneElse).toBeUndefined();
    expect(calls.runs).toEqual([{ n: 4 }]);
    expect(await repos.jobs.list(kind)).toEqual([]);
  });

  it('aborts an attempt whose lease another worker took over, and ignores its outcome', async () => {
    let takeover: Awaited<ReturnType<typeof queue.claim>>;
    const { handler } = recording(async (_payload, signal) => {
      // Claimed as if the lease had run out (a worker frozen for longer than a lease).
      takeover = await queue.claim([kind], Date.now() + LEASE);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 5 * LEASE);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason as Error);
        });
      });
    });
    const worker = new JobWorker(queue, { [kind]: handler }, log);
    await queue.enqueue({ kind, payload: { n: 5 }, runAt: 0 });
    const began = Date.now();
    expect(await worker.runOnce()).toBe(true);
    // Aborted at the first renewal, a third of a lease in.
    expect(Date.now() - began).toBeLessThan(LEASE);
    expect(takeover).toBeDefined();
    // The job is the other worker's still: running, its lease untouched by the one that lost it.
    const [row] = await repos.jobs.list(kind);
    expect(row).toMatchObject({ status: 'running', lease: takeover!.lease, attempts: 2 });
    expect(await queue.complete(takeover!)).toBe(true);
  });
});
