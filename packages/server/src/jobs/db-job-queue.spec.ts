import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDb, openTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { Repositories } from '../repositories/repositories.js';
import { DbJobQueue } from './db-job-queue.js';

const LEASE = 60_000;
const BASE = 1_000;
const T0 = 1_700_000_000_000;

describeEachDb('database job queue', (dialect) => {
  let db: TestDb;
  let repos: Repositories;
  let queue: DbJobQueue;
  let kind: string;
  let kinds = 0;

  beforeAll(async () => {
    db = await openTestDb(dialect);
    repos = new Repositories(db);
    queue = new DbJobQueue(repos, { leaseMs: LEASE, retryBaseMs: BASE, retryMaxMs: 3 * BASE });
  });
  afterAll(() => db.drop());
  // Each test has a kind of its own, so jobs left by one never reach another.
  beforeEach(() => {
    kind = `test-${++kinds}`;
  });

  it('hands out due jobs oldest first, each once, with their payload', async () => {
    await queue.enqueue({ kind, payload: { n: 1 }, runAt: T0 - 2 });
    await queue.enqueue({ kind, payload: { n: 2 }, runAt: T0 - 1 });
    await queue.enqueue({ kind, payload: { n: 3 }, runAt: T0 + 10 });
    const [a, b] = await Promise.all([queue.claim([kind], T0), queue.claim([kind], T0)]);
    expect([a?.payload, b?.payload]).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
    expect(a?.id).not.toBe(b?.id);
    expect(a?.attempt).toBe(1);
    // The third is not due yet, and other kinds are not this worker's.
    expect(await queue.claim([kind], T0)).toBeUndefined();
    expect(await queue.claim(['another-kind'], T0 + 10)).toBeUndefined();
    expect((await queue.claim([kind], T0 + 10))?.payload).toEqual({ n: 3 });
  });

  it('adds nothing when the transaction it was added in rolls back', async () => {
    await expect(
      repos.transaction(async (r) => {
        await queue.enqueue({ kind, payload: {} }, r);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await repos.jobs.list(kind)).toEqual([]);
  });

  it('takes a job back from a worker whose lease ran out, and ignores that worker afterwards', async () => {
    await queue.enqueue({ kind, payload: {}, runAt: T0 });
    const crashed = (await queue.claim([kind], T0))!;
    expect(await queue.claim([kind], T0 + LEASE - 1)).toBeUndefined();
    const next = (await queue.claim([kind], T0 + LEASE))!;
    expect(next.id).toBe(crashed.id);
    expect(next.attempt).toBe(2);
    // The first worker comes back: neither its completion nor its failure counts.
    expect(await queue.complete(crashed)).toBe(false);
    expect(await queue.fail(crashed, 'late', T0 + LEASE)).toBe('lost');
    expect(await queue.complete(next)).toBe(true);
    expect(await repos.jobs.list(kind)).toEqual([]);
  });

  it('retries a failed job with doubling waits, then gives up and keeps the last error', async () => {
    await queue.enqueue({ kind, payload: {}, maxAttempts: 4, runAt: T0 });
    let now = T0;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = (await queue.claim([kind], now))!;
      expect(job.attempt).toBe(attempt);
      expect(await queue.fail(job, `error ${attempt}`, now)).toBe('retrying');
      const [row] = await repos.jobs.list(kind);
      expect(row).toMatchObject({ status: 'queued', last_error: `error ${attempt}` });
      waits.push(row!.run_at - now);
      // Not a moment early.
      expect(await queue.claim([kind], row!.run_at - 1)).toBeUndefined();
      now = row!.run_at;
    }
    expect(waits).toEqual([BASE, 2 * BASE, 3 * BASE]);
    const last = (await queue.claim([kind], now))!;
    expect(last.lastError).toBe('error 3');
    expect(await queue.fail(last, 'error 4', now)).toBe('failed');
    expect(await repos.jobs.list(kind)).toMatchObject([
      { status: 'failed', attempts: 4, last_error: 'error 4' },
    ]);
    expect(await queue.claim([kind], now + 100 * BASE)).toBeUndefined();

    // Failed jobs are kept until pruned.
    expect(await queue.prune(now)).toBe(0);
    expect(await queue.prune(now + 1)).toBeGreaterThanOrEqual(1);
    expect(await repos.jobs.list(kind)).toEqual([]);
  });

  it('gives up at once when told the failure would only repeat', async () => {
    await queue.enqueue({ kind, payload: {}, runAt: T0 });
    const job = (await queue.claim([kind], T0))!;
    expect(await queue.fail(job, 'too big', T0, { retry: false })).toBe('failed');
    expect(await repos.jobs.list(kind)).toMatchObject([
      { status: 'failed', attempts: 1, last_error: 'too big' },
    ]);
  });

  it('adds a job under a fixed id only while none with it is queued or running', async () => {
    const id = `single-${kind}`;
    expect(await queue.enqueueSingle(id, { kind, payload: { n: 1 }, runAt: T0, maxAttempts: 1 })).toBe(true);
    expect(await queue.enqueueSingle(id, { kind, payload: { n: 2 }, runAt: T0 })).toBe(false);
    const held = (await queue.claim([kind], T0))!;
    expect(held.payload).toEqual({ n: 1 });
    expect(await queue.enqueueSingle(id, { kind, payload: { n: 3 }, runAt: T0 })).toBe(false);
    // Given up on: the next one takes its place, with its attempts from nought.
    expect(await queue.fail(held, 'broken', T0)).toBe('failed');
    expect(await queue.enqueueSingle(id, { kind, payload: { n: 4 }, runAt: T0 })).toBe(true);
    expect(await repos.jobs.list(kind)).toMatchObject([
      { id, status: 'queued', attempts: 0, payload: '{"n":4}' },
    ]);
    const next = (await queue.claim([kind], T0))!;
    expect(next).toMatchObject({ payload: { n: 4 }, attempt: 1 });
    // Done and deleted: it can be added again.
    expect(await queue.complete(next)).toBe(true);
    expect(await queue.enqueueSingle(id, { kind, payload: { n: 5 }, runAt: T0 })).toBe(true);
  });

  it('renews a lease only for the worker that holds it', async () => {
    await queue.enqueue({ kind, payload: {}, runAt: T0 });
    const held = (await queue.claim([kind], T0))!;
    expect(await queue.renew(held, T0 + LEASE - 1)).toBe(true);
    // The lease now runs to T0 + 2 LEASE - 1, so nobody takes it at T0 + LEASE.
    expect(await queue.claim([kind], T0 + LEASE)).toBeUndefined();
    const next = (await queue.claim([kind], T0 + 2 * LEASE))!;
    expect(await queue.renew(held, T0 + 2 * LEASE)).toBe(false);
    expect(await queue.complete(next)).toBe(true);
  });
});
