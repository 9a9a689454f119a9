import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { loginOver, receive, send } from '../helpers/http-client.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { bearer } from '../helpers/test-app.js';

const MiB = 1024 * 1024;
/** The chunk memory the server is told downloads may hold at once. */
const BUDGET_MB = 128;
/**
 * What else a hundred connections cost the server process (sockets, requests, the allocator's
 * slack), beyond the chunk buffers the budget bounds. Without a bound the old server went ~2 GB up.
 */
const SLACK = 150 * MiB;

/**
 * Memory of a real server process under 100 parallel downloads of a 20 MiB file (stored with a
 * hostile type, one Node would refuse to write): chunk buffers are bounded for the whole process and reused,
 * so the peak follows the configured budget and nothing is left over afterwards.
 */
describe('finding 4: memory under parallel downloads', { timeout: 300_000 }, () => {
  let dataDir: string;
  let server: ServerProcess;
  let token: string;
  let fileId: string;
  let baseline: number;
  let rootId: string;
  const PASSWORD = 'download-memory-password';
  const SIZE = 20 * MiB;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-memory-'));
    server = await startServerProcess({
      IDRIVE_DATA_DIR: dataDir,
      IDRIVE_ADMIN_PASSWORD: PASSWORD,
      IDRIVE_MAX_CONNECTIONS_PER_IP: '200',
      IDRIVE_DOWNLOAD_MEMORY_MB: String(BUDGET_MB),
    });
    token = await loginOver(server.baseUrl, 'admin', PASSWORD);
    const root = await fetch(`${server.baseUrl}/api/v1/folders/root`, { headers: bearer(token) });
    rootId = ((await root.json()) as Listing).folder.id;
    const res = await send(`${server.baseUrl}/api/v1/folders/${rootId}/files/page.bin`, {
      method: 'PUT',
      headers: { ...bearer(token), 'content-length': String(SIZE) },
      body: [Buffer.alloc(SIZE, 7)],
    });
    fileId = (JSON.parse(res.body.toString()) as Item).id;
    const db = new Database(path.join(dataDir, 'idrive.sqlite'));
    db.prepare('update items set mime_type = ? where id = ?').run('text/html\u0001\r\nx-evil: 1', fileId);
    db.close();
    // One download first, so that the baseline holds what any single download loads once (code,
    // the cipher threads' keys, a first buffer) rather than counting it as growth.
    await downloads(1);
    baseline = await settledRss(Infinity);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const contentUrl = () => `${server.baseUrl}/api/v1/files/${fileId}/content`;

  async function downloads(n: number): Promise<void> {
    const results = await Promise.all(
      Array.from({ length: n }, () => receive(contentUrl(), bearer(token), () => undefined)),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.bytes).toBe(SIZE);
      // The stored type is not one Node would write: the server sends one it vouches for.
      expect(r.headers['content-type']).toBe('application/octet-stream');
    }
  }

  /** Resident memory once it stops falling (sockets closing, a collection), or once it is under `bound`. */
  async function settledRss(bound: number): Promise<number> {
    let rss = server.rss();
    for (let i = 0; i < 20 && rss > bound; i++) {
      await sleep(250);
      rss = Math.min(rss, server.rss());
    }
    if (bound === Infinity) {
      await sleep(500);
      rss = server.rss();
    }
    return rss;
  }

  /** Runs `work` while sampling the server's resident memory; resolves to the highest sample. */
  async function peakDuring(work: () => Promise<void>): Promise<number> {
    let peak = server.rss();
    const sampler = setInterval(() => (peak = Math.max(peak, server.rss())), 10);
    try {
      await work();
    } finally {
      clearInterval(sampler);
    }
    return Math.max(peak, server.rss());
  }

  /** Starts a download of `id` and drops the connection once `after` bytes have arrived. */
  function abortedDownload(id: string, after: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const url = `${server.baseUrl}/api/v1/files/${id}/content`;
      const req = http.get(url, { headers: bearer(token) }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (bytes >= after) {
            req.destroy();
            resolve(bytes);
          }
        });
        res.on('end', () => resolve(bytes));
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    });
  }

  it('finding 4: two rounds of 100 parallel downloads all complete, peak within the download budget and leave RSS at its baseline', async () => {
    const budget = BUDGET_MB * MiB;
    const peak = await peakDuring(async () => {
      await downloads(100);
      await downloads(100);
    });
    const after = await settledRss(baseline + budget + 100 * MiB);
    const mb = (n: number) => `${Math.round(n / MiB)} MiB`;
    console.info(`download memory: baseline ${mb(baseline)}, peak ${mb(peak)}, after ${mb(after)}`);
    expect((await fetch(`${server.baseUrl}/api/v1/health`)).status).toBe(200);
    expect(peak, `peak ${mb(peak)} over a ${mb(baseline)} baseline`).toBeLessThan(baseline + budget + SLACK);
    expect(after, `after ${mb(after)} over a ${mb(baseline)} baseline`).toBeLessThan(
      baseline + budget + 100 * MiB,
    );
  });

  it('finding 4: downloads dropped by their clients midway give their buffers back', async () => {
    // Large enough that a client gone after its first MiB leaves the server in the middle of the
    // file, however much the sockets buffer.
    const LARGE = 64 * MiB;
    const large = await send(`${server.baseUrl}/api/v1/folders/${rootId}/files/large.bin`, {
      method: 'PUT',
      headers: { ...bearer(token), 'content-length': String(LARGE) },
      body: [Buffer.alloc(LARGE, 9)],
    });
    const largeId = (JSON.parse(large.body.toString()) as Item).id;
    // A few at a time, so that each holds the chunk being sent and the next one fetched ahead when
    // it is dropped: together far more than the budget has, so a single buffer not handed back would
    // leave the next downloads waiting for ever.
    const work = async () => {
      for (let round = 0; round < 12; round++) {
        const received = await Promise.all(Array.from({ length: 5 }, () => abortedDownload(largeId, MiB)));
        for (const bytes of received) expect(bytes).toBeLessThan(LARGE);
      }
      await downloads(100);
      return true;
    };
    const finished = await Promise.race([work(), sleep(90_000).then(() => false)]);
    expect(finished, 'dropped downloads, then 100 more, finish').toBe(true);
    expect(await settledRss(baseline + BUDGET_MB * MiB + 100 * MiB)).toBeLessThan(
      baseline + BUDGET_MB * MiB + 100 * MiB,
    );
  });
});
