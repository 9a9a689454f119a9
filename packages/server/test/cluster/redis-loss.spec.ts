import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { CLUSTER_ADMIN_PASSWORD, startCluster, type Cluster } from '../helpers/cluster.js';
import { loginOver } from '../helpers/http-client.js';
import { startOwnRedis, testRedisUrl, type OwnRedis } from '../helpers/test-redis.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Two instances behind haproxy on a Redis of their own, which the test kills and brings back. */
describe.runIf(pgUrl && testRedisUrl())('a cluster that loses Redis', () => {
  let redis: OwnRedis;
  let cluster: Cluster;
  let auth: { authorization: string };

  beforeAll(async () => {
    redis = await startOwnRedis();
    cluster = await startCluster({ instances: 2, pgUrl: pgUrl!, redisUrl: redis.url });
    auth = { authorization: `Bearer ${await loginOver(cluster.url!, 'admin', CLUSTER_ADMIN_PASSWORD)}` };
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await redis?.kill();
  });

  async function healthOf(url: string): Promise<number> {
    return (await fetch(`${url}/api/v1/health`)).status;
  }

  async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('answers 503 on health while Redis is gone, keeps what was committed, and recovers', async () => {
    const root = (await (
      await fetch(`${cluster.url}/api/v1/folders/root`, { headers: auth })
    ).json()) as Listing;
    const body = randomBytes(300_000);
    const put = await fetch(`${cluster.url}/api/v1/folders/${root.folder.id}/files/before.bin`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(put.status).toBe(201);
    const before = (await put.json()) as Item;

    await redis.kill();
    for (const instance of cluster.instances)
      await until('health answers 503', async () => (await healthOf(instance.baseUrl)) === 503, 5_000);
    const health = await (await fetch(`${cluster.instances[0]!.baseUrl}/api/v1/health`)).json();
    expect(health).toEqual({ status: 'unavailable', database: 'ok', redis: 'down' });
    // With every instance out, the balancer has none to send requests to.
    await until('the balancer refuses', async () => (await healthOf(cluster.url!)) === 503, 5_000);

    // A change sent straight to an instance meanwhile either commits or leaves nothing.
    const during = await fetch(`${cluster.instances[1]!.baseUrl}/api/v1/folders`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ parentId: root.folder.id, name: 'made while Redis was away' }),
    });
    expect([201, 500, 503]).toContain(during.status);

    await redis.restart();
    for (const instance of cluster.instances)
      await until('health answers 200', async () => (await healthOf(instance.baseUrl)) === 200, 15_000);
    await until('the balancer serves', async () => (await healthOf(cluster.url!)) === 200, 10_000);

    const again = Buffer.from(
      await (
        await fetch(`${cluster.url}/api/v1/files/${before.id}/content`, { headers: auth })
      ).arrayBuffer(),
    );
    expect(sha256(again)).toBe(sha256(body));
    const after = await fetch(`${cluster.url}/api/v1/folders/${root.folder.id}/files/after.bin`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: Buffer.from('back'),
    });
    expect(after.status).toBe(201);
    const names = (
      (await (await fetch(`${cluster.url}/api/v1/folders/root`, { headers: auth })).json()) as Listing
    ).items.map((item) => item.name);
    expect(names).toContain('before.bin');
    expect(names).toContain('after.bin');
    expect(names.includes('made while Redis was away')).toBe(during.status === 201);
  });
});
