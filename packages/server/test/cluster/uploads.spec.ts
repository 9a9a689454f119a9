import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { addInstance, clusterAdminToken, clusterDb, type ClusterDb } from '../helpers/cluster-tools.js';
import { testRedisUrl } from '../helpers/test-redis.js';
import { receive, send, type SentResponse } from '../helpers/http-client.js';
import type { ServerProcess } from '../helpers/server-process.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = testRedisUrl();
/** The resumed upload's size: 200 MiB here; 1 GiB is this one change. */
const RESUMED_SIZE = 200 * 1024 * 1024;
const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Resumable and plain uploads on server processes that share one database, Redis and chunk store. */
describe.runIf(pgUrl && redisUrl)('uploads across instances', () => {
  let cluster: Cluster;
  let db: ClusterDb;
  let rootId: string;
  let auth: { authorization: string };

  beforeAll(async () => {
    cluster = await startCluster({ instances: 3, pgUrl: pgUrl!, redisUrl: redisUrl!, balancer: false });
    db = clusterDb(cluster);
    auth = { authorization: `Bearer ${await clusterAdminToken(cluster)}` };
    rootId = (await listRoot(cluster.instances[0]!)).folder.id;
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  async function listRoot(instance: ServerProcess): Promise<Listing> {
    const res = await fetch(`${instance.baseUrl}/api/v1/folders/root`, { headers: auth });
    return (await res.json()) as Listing;
  }

  /** The SHA-256 of a file's content as `instance` serves it, found by name in the root folder. */
  async function storedSha(instance: ServerProcess, name: string): Promise<string> {
    const file = (await listRoot(instance)).items.find((i) => i.name === name);
    expect(file, `${name} is listed`).toBeDefined();
    const hash = createHash('sha256');
    const res = await receive(`${instance.baseUrl}/api/v1/files/${file!.id}/content`, auth, (d) =>
      hash.update(d),
    );
    expect(res.status).toBe(200);
    return hash.digest('hex');
  }

  async function createUpload(instance: ServerProcess, name: string, size: number): Promise<string> {
    const res = await send(`${instance.baseUrl}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...auth,
        'tus-resumable': '1.0.0',
        'upload-length': String(size),
        'upload-metadata': `filename ${Buffer.from(name).toString('base64')},parentId ${Buffer.from(rootId).toString('base64')}`,
      },
    });
    expect(res.status).toBe(201);
    return res.headers.location!;
  }

  /** A PATCH whose body arrives in `pieces`, `gapMs` apart (a slow client). */
  function slowPatch(
    instance: ServerProcess,
    location: string,
    offset: number,
    pieces: Buffer[],
    gapMs: number,
  ): Promise<SentResponse> {
    return new Promise((resolve, reject) => {
      const length = pieces.reduce((n, p) => n + p.length, 0);
      const req = http.request(`${instance.baseUrl}${location}`, {
        method: 'PATCH',
        headers: {
          ...auth,
          'tus-resumable': '1.0.0',
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
          'content-length': String(length),
        },
      });
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }),
        );
      });
      req.on('error', reject);
      void (async () => {
        for (const piece of pieces) {
          req.write(piece);
          if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        }
        req.end();
      })();
    });
  }

  const head = (instance: ServerProcess, location: string) =>
    fetch(`${instance.baseUrl}${location}`, {
      method: 'HEAD',
      headers: { ...auth, 'tus-resumable': '1.0.0' },
    });

  function tusUpload(body: Buffer, options: Partial<tus.UploadOptions>): Promise<void> {
    return new Promise((resolve, reject) => {
      new tus.Upload(body, {
        headers: auth,
        // PATCHes that do not line up with the server's 8 MiB chunks, so tails get staged.
        chunkSize: 5 * MIB + 17,
        metadata: { filename: 'resumed.bin', parentId: rootId, filetype: 'application/octet-stream' },
        onSuccess: () => resolve(),
        onError: reject,
        ...options,
      }).start();
    });
  }

  it('continues on B a tus upload begun on A after A was killed mid-way', async () => {
    const [a, b] = cluster.instances as [ServerProcess, ServerProcess];
    const body = randomBytes(RESUMED_SIZE);
    const began = performance.now();
    let acknowledged = 0;
    let sent = 0;
    let killed = false;
    const first = tusUpload(body, {
      endpoint: `${a.baseUrl}/api/v1/uploads`,
      retryDelays: [],
      onChunkComplete: (_size, accepted) => (acknowledged = accepted),
      onProgress: (bytes) => {
        sent = bytes;
        if (bytes > RESUMED_SIZE * 0.4 && !killed) {
          killed = true;
          void a.stop(true);
        }
      },
    });
    await expect(first).rejects.toThrow();
    expect(acknowledged).toBeGreaterThan(0);

    // B reports no less than what A acknowledged: that much was durable and B can see it. A died
    // holding the upload's lock, so B answers 423 until the lock's TTL runs out.
    const [upload] = await db.query<{ id: string }>(`select id from uploads where name = 'resumed.bin'`);
    const location = `/api/v1/uploads/${upload!.id}`;
    // The tail A staged is in the shared database, not on A's disk.
    const staged = await db.query(`select "offset" from staged_tails where upload_id = $1`, [upload!.id]);
    expect(staged.length).toBeGreaterThan(0);
    expect(existsSync(path.join(cluster.env.IDRIVE_DATA_DIR!, 'staging'))).toBe(false);
    let res = await head(b, location);
    for (let tries = 0; res.status === 423 && tries < 10; tries++) res = await head(b, location);
    expect(res.status).toBe(200);
    const offset = Number(res.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(acknowledged);
    expect(offset).toBeLessThanOrEqual(sent);
    const killedAt = performance.now();

    let resumedFrom = -1;
    await tusUpload(body, {
      uploadUrl: `${b.baseUrl}${location}`,
      retryDelays: [0, 500, 1000, 2000, 4000],
      onProgress: (bytes) => {
        if (resumedFrom < 0) resumedFrom = bytes;
      },
    });
    expect(resumedFrom).toBeGreaterThanOrEqual(offset);
    expect(await storedSha(b, 'resumed.bin')).toBe(sha256(body));
    console.log(
      `${RESUMED_SIZE / MIB} MiB tus upload: ${Math.round(killedAt - began)} ms up to A's death and B's offset, ` +
        `${Math.round(performance.now() - killedAt)} ms to finish on B and read it back`,
    );
  }, 600_000);

  it('lets one of two PATCHes for one upload on two instances write; the other waits or is refused', async () => {
    const [, b, c] = cluster.instances as [ServerProcess, ServerProcess, ServerProcess];
    const size = 2 * MIB + 5;
    const right = randomBytes(size);
    const wrong = randomBytes(size);
    const location = await createUpload(b, 'contended.bin', size);
    const pieces = (buf: Buffer, start: number, end: number, n: number) =>
      Array.from({ length: n }, (_, i) =>
        buf.subarray(
          start + Math.floor(((end - start) * i) / n),
          start + Math.floor(((end - start) * (i + 1)) / n),
        ),
      );

    // B's PATCH takes ~5 s; C's, sent meanwhile, waits 3 s for the lock and is refused.
    const slow = slowPatch(b, location, 0, pieces(right, 0, MIB, 20), 250);
    await new Promise((r) => setTimeout(r, 500));
    const refusedAt = Date.now();
    const refused = await slowPatch(c, location, 0, [wrong.subarray(0, MIB)], 0);
    expect(refused.status).toBe(423);
    expect(JSON.parse(refused.body.toString()).error.code).toBe('upload_busy');
    expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(2900);
    expect((await slow).status).toBe(204);
    expect((await slow).headers['upload-offset']).toBe(String(MIB));

    // A PATCH that arrives while a short one runs waits for it, then finds the offset moved on.
    const short = slowPatch(b, location, MIB, pieces(right, MIB, MIB + MIB / 2, 4), 250);
    await new Promise((r) => setTimeout(r, 200));
    const late = await slowPatch(c, location, MIB, [wrong.subarray(MIB, 2 * MIB)], 0);
    expect((await short).status).toBe(204);
    expect(late.status).toBe(409);
    expect(JSON.parse(late.body.toString()).error).toMatchObject({
      code: 'offset_mismatch',
      details: { offset: MIB + MIB / 2 },
    });

    const rest = await slowPatch(c, location, MIB + MIB / 2, [right.subarray(MIB + MIB / 2)], 0);
    expect(rest.status).toBe(204);
    expect(await storedSha(c, 'contended.bin')).toBe(sha256(right));
  }, 120_000);

  it('leaves nothing visible of a plain PUT whose instance was killed mid-body', async () => {
    const [, b] = cluster.instances as [ServerProcess, ServerProcess];
    const dying = await addInstance(cluster);
    const body = randomBytes(64 * MIB);
    const pieces = Array.from({ length: 64 }, (_, i) => body.subarray(i * MIB, (i + 1) * MIB));
    const headers = {
      ...auth,
      'content-length': String(body.length),
      'content-type': 'application/octet-stream',
    };
    let killed = false;
    const put = send(`${dying.baseUrl}/api/v1/folders/${rootId}/files/half.bin`, {
      method: 'PUT',
      headers,
      body: pieces,
      onProgress: (written) => {
        if (written >= 24 * MIB && !killed) {
          killed = true;
          void dying.stop(true);
        }
      },
    }).catch((err: unknown) => err);
    await put;
    expect(killed).toBe(true);
    // The dead instance stored chunks of a version that is not visible anywhere.
    const pending = await db.query<{ n: number }>(
      `select count(*)::int as n from file_versions v join chunks c on c.version_id = v.id where v.status = 'uploading'`,
    );
    expect(pending[0]!.n).toBeGreaterThan(0);
    expect((await listRoot(b)).items.map((i) => i.name)).not.toContain('half.bin');

    const again = await send(`${b.baseUrl}/api/v1/folders/${rootId}/files/half.bin`, {
      method: 'PUT',
      headers,
      body: pieces,
    });
    expect(again.status).toBe(201);
    expect((await listRoot(b)).items.filter((i) => i.name === 'half.bin')).toHaveLength(1);
    expect(await storedSha(b, 'half.bin')).toBe(sha256(body));
  }, 120_000);
});
