import { createHash, randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { CLUSTER_ADMIN_PASSWORD, startCluster, type Cluster } from '../helpers/cluster.js';
import { openEventSocket } from '../helpers/event-socket.js';
import { send } from '../helpers/http-client.js';
import { Pattern } from '../helpers/pattern.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { testRedisUrl } from '../helpers/test-redis.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = testRedisUrl();
const CHUNK = 4 * 65536;
/** The resumable upload whose instance dies: 1 GiB, as a user's large file. */
const TUS_SIZE = 1024 * 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Three instances on one PostgreSQL database, one Redis and one data directory, behind haproxy. */
describe.runIf(pgUrl && redisUrl)('three instances behind haproxy', () => {
  let cluster: Cluster;
  let instances: ServerProcess[];
  let balancer: string;
  let token: string;
  let rootId: string;

  beforeAll(async () => {
    cluster = await startCluster({
      instances: 3,
      pgUrl: pgUrl!,
      redisUrl: redisUrl!,
      env: { IDRIVE_CHUNK_SIZE: String(CHUNK), LOG_LEVEL: 'info' },
    });
    instances = cluster.instances;
    balancer = cluster.url!;
    token = await login();
    rootId = (await api<Listing>('GET', '/folders/root')).folder.id;
  }, 120_000);

  afterAll(() => cluster?.stop());

  async function login(): Promise<string> {
    const res = await fetch(`${balancer}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: CLUSTER_ADMIN_PASSWORD, bearer: true }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  async function call(method: string, url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${balancer}/api/v1${url}`, {
      ...init,
      method,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
  }

  async function api<T>(method: string, url: string, body?: unknown, status = 200): Promise<T> {
    const res = await call(method, url, {
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    expect(res.status, `${method} ${url}: ${text}`).toBe(status);
    return JSON.parse(text) as T;
  }

  it('starts every instance on an empty database at once, with a single first account', async () => {
    const users = await api<{ users: { username: string }[] }>('GET', '/users');
    expect(users.users.map((u) => u.username)).toEqual(['admin']);
    const health = await Promise.all(
      instances.map(async (i) => (await fetch(`${i.baseUrl}/api/v1/health`)).json()),
    );
    expect(health).toEqual(Array(3).fill({ status: 'ok', database: 'ok', redis: 'ok' }));
  });

  it('serves the main API paths through the balancer, spread over every instance', async () => {
    const folder = await api<Item>(
      'POST',
      '/folders',
      { parentId: rootId, name: 'through the balancer' },
      201,
    );
    const body = randomBytes(3 * CHUNK + 12345);
    const put = await call('PUT', `/folders/${folder.id}/files/${encodeURIComponent('zażółć.bin')}`, {
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status, await put.clone().text()).toBe(201);
    const file = (await put.json()) as Item;
    for (let i = 0; i < 6; i++) {
      const listing = await api<Listing>('GET', `/folders/${folder.id}/children`);
      expect(listing.items.map((item) => item.name)).toEqual(['zażółć.bin']);
      const whole = Buffer.from(await (await call('GET', `/files/${file.id}/content`)).arrayBuffer());
      expect(sha256(whole)).toBe(sha256(body));
      const range = await call('GET', `/files/${file.id}/content`, {
        headers: { range: `bytes=${CHUNK - 5}-${CHUNK + 4}` },
      });
      expect(range.status).toBe(206);
      expect(Buffer.from(await range.arrayBuffer())).toEqual(body.subarray(CHUNK - 5, CHUNK + 5));
    }
    const served = await Promise.all(instances.map(async (i) => apiRequests(await i.output())));
    // Round-robin: every instance answered some of these requests.
    for (const count of served) expect(count).toBeGreaterThan(0);
    expect(served.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);
  });

  it('takes a tus upload whose PATCHes land on different instances', async () => {
    const body = randomBytes(5 * CHUNK + 999);
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(body, {
        endpoint: `${balancer}/api/v1/uploads`,
        headers: { authorization: `Bearer ${token}` },
        // PATCHes that end inside a chunk, so the next one must find the staged tail elsewhere.
        chunkSize: 3 * 65536 + 17,
        retryDelays: [0, 100, 500],
        metadata: { filename: 'tus.bin', parentId: rootId, filetype: 'application/octet-stream' },
        onSuccess: () => resolve(),
        onError: reject,
      }).start();
    });
    const listing = await api<Listing>('GET', `/folders/${rootId}/children`);
    const file = listing.items.find((item) => item.name === 'tus.bin')!;
    const whole = Buffer.from(await (await call('GET', `/files/${file.id}/content`)).arrayBuffer());
    expect(sha256(whole)).toBe(sha256(body));
  });

  it('delivers an event made on one instance to a socket on another, and catches up on a third', async () => {
    const [a, b, c] = instances as [ServerProcess, ServerProcess, ServerProcess];
    const ws = (instance: ServerProcess, query = '') =>
      openEventSocket(`${instance.baseUrl.replace(/^http/, 'ws')}/api/v1/events${query}`, {
        authorization: `Bearer ${token}`,
      });
    const onA = await ws(a);
    const ready = await onA.waitFor((e) => e.type === 'ready');
    const made = await fetch(`${b.baseUrl}/api/v1/folders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parentId: rootId, name: 'made on B' }),
    });
    expect(made.status).toBe(201);
    const seen = await onA.waitFor((e) => e.type === 'item.created' && e.item.name === 'made on B', 1000);
    await onA.close();
    // While no socket is open, two more changes; a socket on C asks for what came after `seen`.
    for (const name of ['missed 1', 'missed 2'])
      await api<Item>('POST', '/folders', { parentId: rootId, name }, 201);
    const onC = await ws(c, `?since=${seen.id}`);
    const caughtUp = await onC.waitFor((e) => e.type === 'ready');
    const names = onC.received
      .filter((e) => e.type === 'item.created')
      .map((e) => (e.type === 'item.created' ? e.item.name : ''));
    expect(names).toEqual(['missed 1', 'missed 2']);
    expect(caughtUp.id).toBeGreaterThan(seen.id);
    expect(seen.id).toBeGreaterThan(ready.id);
    await onC.close();
  });

  it('counts wrong unlock passwords sent to different instances as one', async () => {
    const folder = await api<Item>('POST', '/folders', { parentId: rootId, name: 'locked' }, 201);
    await api<Item>('POST', `/folders/${folder.id}/lock`, { password: 'the-right-password-1' }, 201);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await call('POST', `/folders/${folder.id}/unlock`, {
        body: JSON.stringify({ password: `wrong-${i}` }),
        headers: { 'content-type': 'application/json' },
      });
      statuses.push(res.status);
    }
    // One instance allows 5 wrong passwords per folder and user in the window; three together the same.
    expect(statuses.filter((s) => s !== 429)).toHaveLength(5);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
  });

  it('completes a 1 GiB tus upload through another instance after its own is killed', async () => {
    const source = new Pattern('cluster tus', TUS_SIZE);
    const tus = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
    const created = await send(`${balancer}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...tus,
        'upload-length': String(source.size),
        'upload-metadata': `filename ${Buffer.from('big.bin').toString('base64')},parentId ${Buffer.from(rootId).toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const location = `${balancer}${created.headers.location}`;
    const uploadPath = new URL(location).pathname;
    // Undefined while the upload is held (423): by the dead instance, until its lock runs out.
    const offsetNow = async () => {
      const res = await send(location, { method: 'HEAD', headers: tus });
      if (res.status === 423) return undefined;
      expect(res.status).toBe(200);
      return Number(res.headers['upload-offset']);
    };
    const patch = (from: number, onProgress?: (n: number) => void) =>
      send(location, {
        method: 'PATCH',
        headers: {
          ...tus,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(from),
          'content-length': String(source.size - from),
        },
        body: source.pieces(from),
        ...(onProgress ? { onProgress } : {}),
      });

    // Mid-way, the instance receiving the PATCH (the one that logged it) dies without a word.
    let killed: Promise<ServerProcess> | undefined;
    const first = await patch(0, (written) => {
      if (killed || written < TUS_SIZE * 0.4) return;
      killed = (async () => {
        for (const instance of instances) {
          const log = await instance.output();
          if (log.includes(`"method":"PATCH","url":"${uploadPath}"`)) {
            await instance.stop(true);
            return instance;
          }
        }
        throw new Error('no instance logged the PATCH');
      })();
    }).catch(() => ({ status: -1 }));
    const victim = await killed!;
    expect(first.status).not.toBe(204);

    // The client asks where to go on (whichever instance answers) and sends the rest; an instance
    // that finds the upload still held by the dead one asks it to come back (423), and it does.
    let done: Awaited<ReturnType<typeof patch>> | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const offset = await offsetNow();
      if (offset !== undefined) {
        expect(offset).toBeLessThan(source.size);
        done = await patch(offset);
        if (done.status === 204) break;
        expect([409, 423, 502, 503, -1], done.body.toString()).toContain(done.status);
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(done?.status, done?.body.toString()).toBe(204);
    const fileId = done!.headers['x-idrive-file-id'] as string;
    const hash = createHash('sha256');
    const res = await call('GET', `/files/${fileId}/content`);
    for await (const piece of res.body!) hash.update(piece);
    expect(hash.digest('hex')).toBe(source.sha256());
    instances = instances.filter((i) => i !== victim);
    // The others go on serving.
    for (let i = 0; i < 6; i++) await api<Listing>('GET', `/folders/${rootId}/children`);
  }, 300_000);
});

/** API requests (health checks aside) an instance logged. */
function apiRequests(output: string): number {
  return output
    .split('\n')
    .filter((line) => line.includes('"msg":"incoming request"') && !line.includes('/api/v1/health')).length;
}
