// Cluster mode: a mixed API load through haproxy with one instance and with three, next to each
// other, and the time from a change on one instance to its live event on a socket of another.
// Needs PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL).
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DriveEvent, Item, Listing } from '@idrive/shared';
import {
  CLUSTER_ADMIN_PASSWORD,
  startCluster,
  type Cluster,
} from '../../packages/server/test/helpers/cluster.js';
import { openEventSocket } from '../../packages/server/test/helpers/event-socket.js';
import { loginOver } from '../../packages/server/test/helpers/http-client.js';
import { run } from './processes.js';
import { median, p95, repeat, rows, type Spread } from './rows.js';

const loadScript = fileURLToPath(new URL('./api-load.ts', import.meta.url));
const LOAD_SECONDS = 8;
const LOAD_CONCURRENCY = 16;
const EVENT_WARM_UP = 20;
const EVENT_SAMPLES = 200;

interface Signed {
  token: string;
  auth: { authorization: string };
}

async function signIn(url: string): Promise<Signed> {
  const token = await loginOver(url, 'admin', CLUSTER_ADMIN_PASSWORD);
  return { token, auth: { authorization: `Bearer ${token}` } };
}

/** Requests per second of the mixed load through the balancer, three runs. */
async function loadThrough(cluster: Cluster): Promise<Spread> {
  const url = cluster.url!;
  const { token, auth } = await signIn(url);
  const root = (await (await fetch(`${url}/api/v1/folders/root`, { headers: auth })).json()) as Listing;
  const folder = (await (
    await fetch(`${url}/api/v1/folders`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ parentId: root.folder.id, name: 'load' }),
    })
  ).json()) as Item;
  const file = (await (
    await fetch(`${url}/api/v1/folders/${folder.id}/files/seed.bin`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(4096, 1),
    })
  ).json()) as Item;
  return repeat(3, async () => {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      loadScript,
      `--url=${url}`,
      `--token=${token}`,
      `--folder=${folder.id}`,
      `--item=${file.id}`,
      `--seconds=${LOAD_SECONDS}`,
      `--concurrency=${LOAD_CONCURRENCY}`,
    ]);
    const counted = JSON.parse(stdout) as {
      list: number;
      info: number;
      upload: number;
      failed: number;
      ms: number;
    };
    if (counted.failed > 0) throw new Error(`${counted.failed} requests of the mixed load failed`);
    return ((counted.list + counted.info + counted.upload) * 1000) / counted.ms;
  });
}

/** Folder created through instance A → its event on a socket held by instance B. */
async function eventAcross(cluster: Cluster): Promise<number[]> {
  const [a, b] = cluster.instances;
  const { auth } = await signIn(a!.baseUrl);
  const root = (await (
    await fetch(`${a!.baseUrl}/api/v1/folders/root`, { headers: auth })
  ).json()) as Listing;
  const socket = await openEventSocket(`${b!.baseUrl.replace(/^http/, 'ws')}/api/v1/events`, auth);
  await socket.waitFor((e) => e.type === 'ready');
  const arrivals = new Map<string, number>();
  socket.ws.on('message', (data: Buffer) => {
    const event = JSON.parse(data.toString()) as DriveEvent;
    if (event.type === 'item.created') arrivals.set(event.item.name, performance.now());
  });
  const delivered: number[] = [];
  try {
    for (let i = 0; i < EVENT_WARM_UP + EVENT_SAMPLES; i++) {
      const name = `across-${i}`;
      const started = performance.now();
      const res = await fetch(`${a!.baseUrl}/api/v1/folders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ parentId: root.folder.id, name }),
      });
      if (res.status !== 201) throw new Error(`creating a folder answered ${res.status}`);
      await socket.waitFor((e) => e.type === 'item.created' && e.item.name === name, 5_000);
      if (i >= EVENT_WARM_UP) delivered.push(arrivals.get(name)! - started);
    }
  } finally {
    await socket.close();
  }
  return delivered;
}

export async function clusterRows(): Promise<void> {
  const pgUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!pgUrl || !redisUrl) {
    console.log('  (cluster rows need TEST_DATABASE_URL and TEST_REDIS_URL; skipped)');
    return;
  }
  const figures: Record<number, Spread> = {};
  for (const instances of [1, 3]) {
    const cluster = await startCluster({
      instances,
      pgUrl,
      redisUrl,
      built: true,
      env: { LOG_LEVEL: 'warn' },
    });
    try {
      figures[instances] = await loadThrough(cluster);
      if (instances === 3) {
        const delivered = await eventAcross(cluster);
        rows.push({
          metric: 'live event across instances: folder created on A → a socket on B (p50)',
          value: median(delivered),
          unit: 'ms',
          target: '≤ 1,000 ms (p95)',
          ceiling: `p95 ${p95(delivered).toFixed(1)} ms`,
          pass: p95(delivered) <= 1000,
        });
      }
    } finally {
      await cluster.stop();
    }
  }
  const one = figures[1]!;
  const three = figures[3]!;
  rows.push({
    metric: `mixed API load through haproxy (listing, details, 4 KiB uploads; ${LOAD_CONCURRENCY} clients): 1 instance`,
    value: one.median,
    unit: 'req/s',
    target: '–',
    runs: one.runs,
  });
  rows.push({
    metric: 'the same load: 3 instances on one PostgreSQL and Redis',
    value: three.median,
    unit: 'req/s',
    target: '–',
    ceiling: `${(three.median / one.median).toFixed(2)}× one instance, all on these ${os.availableParallelism()} cores`,
    runs: three.runs,
  });
}
