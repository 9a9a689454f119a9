import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { JobWorker } from '../jobs/job-worker.js';
import { MAINTENANCE_JOB, MaintenanceSchedule, SCRUB_JOB } from './maintenance-schedule.js';

const INTERVAL = 60_000;
const log = pino({ level: 'silent' });

describeEachDb('maintenance schedule', (dialect) => {
  let t: TestApp;
  // Two instances' schedules and workers over one database.
  let a: MaintenanceSchedule;
  let b: MaintenanceSchedule;
  let worker: JobWorker;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    const { repos, jobQueue, maintenance } = t.drive;
    a = new MaintenanceSchedule(repos, jobQueue, MAINTENANCE_JOB, maintenance, INTERVAL, log);
    b = new MaintenanceSchedule(repos, jobQueue, MAINTENANCE_JOB, maintenance, INTERVAL, log);
    worker = new JobWorker(jobQueue, { [MAINTENANCE_JOB]: a }, log);
  });
  afterAll(() => t.close());

  const runs = () => t.drive.repos.scheduledRuns.list(MAINTENANCE_JOB);

  it('runs once per period, whichever instances ask for it', async () => {
    const start = (Math.floor(Date.now() / INTERVAL) + 1) * INTERVAL;
    const asked = await Promise.all([a.tick(start), b.tick(start + 1), a.tick(start + INTERVAL - 1)]);
    expect(asked.filter(Boolean)).toHaveLength(1);
    expect(await worker.drain()).toBe(1);
    // Later in the same period, after the run: nothing more.
    expect(await b.tick(start + 2)).toBe(false);
    expect(await worker.drain()).toBe(0);
    expect(await b.tick(start + INTERVAL)).toBe(true);
    expect(await worker.drain()).toBe(1);

    const period = start / INTERVAL;
    const done = await runs();
    expect(done.map((r) => r.period)).toEqual([period, period + 1]);
    for (const run of done) {
      expect(run.finished_at).not.toBeNull();
      expect(JSON.parse(run.report!)).toMatchObject({ trashPurged: 0, chunksDeleted: 0 });
    }
  });

  it('skips a period whose tick finds the previous run still under way', async () => {
    const start = (Math.floor(Date.now() / INTERVAL) + 10) * INTERVAL;
    expect(await a.tick(start)).toBe(true);
    const held = await t.drive.jobQueue.claim([MAINTENANCE_JOB], Date.now());
    expect(held?.payload).toEqual({ period: start / INTERVAL });
    expect(await b.tick(start + INTERVAL)).toBe(false);
    const skipped = (await runs()).find((r) => r.period === start / INTERVAL + 1)!;
    expect(JSON.parse(skipped.report!)).toEqual({ skipped: 'the previous run was under way' });
    // That period is not run later by another instance either.
    expect(await t.drive.jobQueue.complete(held!)).toBe(true);
    expect(await a.tick(start + INTERVAL + 1)).toBe(false);
    expect(await worker.drain()).toBe(0);
  });
  it('runs the scrubber once per period too, on its own, beside maintenance', async () => {
    const { repos, jobQueue, scrub } = t.drive;
    const scrubA = new MaintenanceSchedule(repos, jobQueue, SCRUB_JOB, scrub, INTERVAL, log);
    const scrubB = new MaintenanceSchedule(repos, jobQueue, SCRUB_JOB, scrub, INTERVAL, log);
    const scrubWorker = new JobWorker(jobQueue, { [SCRUB_JOB]: scrubA }, log);
    const start = (Math.floor(Date.now() / INTERVAL) + 20) * INTERVAL;
    const asked = await Promise.all([scrubA.tick(start), scrubB.tick(start + 1), a.tick(start + 2)]);
    expect(asked).toEqual([true, false, true]);
    expect(await scrubWorker.drain()).toBe(1);
    expect(await worker.drain()).toBe(1);
    const scrubs = await repos.scheduledRuns.list(SCRUB_JOB);
    expect(scrubs.map((r) => r.period)).toEqual([start / INTERVAL]);
    // Local disk keeps one copy of each object: the run looks at nothing and reports so.
    expect(JSON.parse(scrubs[0]!.report!)).toMatchObject({ checked: 0, repaired: 0, failed: 0 });
  });
});
