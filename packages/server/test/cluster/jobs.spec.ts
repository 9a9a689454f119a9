import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '@idrive/shared';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { clusterAdminToken, clusterDb, logLines, type ClusterDb } from '../helpers/cluster-tools.js';
import { testRedisUrl } from '../helpers/test-redis.js';
import { send } from '../helpers/http-client.js';
import { png } from '../helpers/media-samples.js';
import type { ServerProcess } from '../helpers/server-process.js';
import sharp from 'sharp';

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = testRedisUrl();
const IMAGES = 12;
const LEASE_SECONDS = 3;

/** Background jobs on three server processes sharing one PostgreSQL database and one Redis. */
describe.runIf(pgUrl && redisUrl)('jobs across instances', () => {
  let cluster: Cluster;
  let db: ClusterDb;
  let token: string;
  let rootId: string;

  beforeAll(async () => {
    cluster = await startCluster({
      instances: 3,
      pgUrl: pgUrl!,
      redisUrl: redisUrl!,
      balancer: false,
      env: {
        IDRIVE_JOB_INTERVAL_SECONDS: '1',
        IDRIVE_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
        // The workers say when each job starts and finishes, at debug level.
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
      },
    });
    db = clusterDb(cluster);
    token = await clusterAdminToken(cluster);
    const res = await fetch(`${cluster.instances[0]!.baseUrl}/api/v1/folders/root`, {
      headers: { authorization: `Bearer ${token}` },
    });
    rootId = ((await res.json()) as { folder: { id: string } }).folder.id;
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  async function put(instance: ServerProcess, name: string, body: Buffer): Promise<Item> {
    const res = await send(`${instance.baseUrl}/api/v1/folders/${rootId}/files/${name}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`,
        'content-length': String(body.length),
        'content-type': 'image/png',
      },
      body: [body],
    });
    expect(res.status, res.body.toString()).toBe(201);
    return JSON.parse(res.body.toString()) as Item;
  }

  async function allLines(): Promise<Record<string, unknown>[]> {
    return (await Promise.all(cluster.instances.map(logLines))).flat();
  }

  const mediaStatus = async (itemIds: string[]) =>
    db.query<{ status: string }>(
      `select m.status from media m join items i on i.version_id = m.version_id where i.id = any($1)`,
      [itemIds],
    );

  it('runs maintenance once per period over all instances, not once per instance', async () => {
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const ranPeriods = async () =>
      (
        await db.query<{ period: number; report: string }>(
          `select period, report from scheduled_runs where task = 'maintenance' and finished_at is not null`,
        )
      )
        .filter((r) => !r.report.includes('skipped'))
        .map((r) => Number(r.period));
    const before = await ranPeriods();
    expect(before.length).toBeGreaterThanOrEqual(3);

    const finished = (await allLines()).filter((l) => l.msg === 'maintenance finished');
    const periods = finished.map((l) => Number(l.period));
    // Each period's run is logged by exactly one instance, and each is one the table recorded (runs
    // may have finished between the two looks, so the table is read on both sides of the logs).
    expect(new Set(periods).size).toBe(periods.length);
    expect(periods).toEqual(expect.arrayContaining(before));
    expect(await ranPeriods()).toEqual(expect.arrayContaining(periods));
  }, 60_000);

  it('makes the thumbnail of each image once, whichever instance it was uploaded to', async () => {
    const items: Item[] = [];
    for (let n = 0; n < IMAGES; n++) {
      const instance = cluster.instances[n % cluster.instances.length]!;
      items.push(await put(instance, `image-${n}.png`, await png(40 + n, 30)));
    }
    const ids = items.map((i) => i.id);
    await expect
      .poll(async () => (await mediaStatus(ids)).map((m) => m.status), { timeout: 30_000, interval: 200 })
      .toEqual(Array.from({ length: IMAGES }, () => 'ready'));

    const media = (await allLines()).filter((l) => l.kind === 'media');
    const started = media.filter((l) => l.msg === 'job started');
    const finished = media.filter((l) => l.msg === 'job finished');
    expect(started).toHaveLength(IMAGES);
    expect(finished).toHaveLength(IMAGES);
    expect(new Set(finished.map((l) => l.job)).size).toBe(IMAGES);
    expect(started.every((l) => l.attempt === 1)).toBe(true);
    const thumbnails = await db.query<{ n: number }>(
      `select count(distinct thumbnail_version_id)::int as n from media m
         join items i on i.version_id = m.version_id where i.id = any($1)`,
      [ids],
    );
    expect(thumbnails[0]!.n).toBe(IMAGES);
  }, 90_000);

  it('runs the job of an instance killed mid-job on another instance', async () => {
    const [a, b, c] = cluster.instances as [ServerProcess, ServerProcess, ServerProcess];
    // Only A may claim the job: the others are frozen until A is dead.
    b.child.kill('SIGSTOP');
    c.child.kill('SIGSTOP');
    let jobId: string | undefined;
    let item: Item;
    try {
      const started = new Promise<string>((resolve) => {
        a.child.stdout!.on('data', (data: Buffer) => {
          for (const line of data.toString().split('\n')) {
            if (line.includes('"job started"') && line.includes('"kind":"media"')) {
              a.child.kill('SIGSTOP');
              resolve((JSON.parse(line) as { job: string }).job);
            }
          }
        });
      });
      // Large enough that its thumbnail takes a while: A is frozen mid-job, then killed.
      const big = await sharp({
        create: {
          width: 5000,
          height: 5000,
          channels: 3,
          background: '#808080',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .jpeg({ quality: 95 })
        .toBuffer();
      item = await put(a, 'big.jpg', big);
      jobId = await started;
      const [row] = await db.query<{ status: string; attempts: number }>(
        `select status, attempts from jobs where id = $1`,
        [jobId],
      );
      expect(row).toMatchObject({ status: 'running', attempts: 1 });
      await a.stop(true);
    } finally {
      b.child.kill('SIGCONT');
      c.child.kill('SIGCONT');
    }

    await expect
      .poll(async () => (await mediaStatus([item.id])).map((m) => m.status), {
        timeout: 60_000,
        interval: 250,
      })
      .toEqual(['ready']);
    const lines = [...(await logLines(b)), ...(await logLines(c))].filter((l) => l.job === jobId);
    expect(lines.filter((l) => l.msg === 'job started').map((l) => l.attempt)).toEqual([2]);
    expect(lines.filter((l) => l.msg === 'job finished')).toHaveLength(1);
    expect(await db.query(`select id from jobs where id = $1`, [jobId])).toEqual([]);
  }, 120_000);
});
