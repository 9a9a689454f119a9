import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { loginOver, receive, send } from '../helpers/http-client.js';
import { Pattern } from '../helpers/pattern.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const GiB = 1024 ** 3;
const CHUNK = 8 * 1024 * 1024;
const SEGMENT = 64 * 1024;
const PASSWORD = 'large-test-password';

/**
 * A gibibyte through a real server process: raw upload, a resumable upload that loses its
 * connection and then its server (kill -9), and a thousand Range reads checked byte for byte.
 */
describe('1 GiB files over HTTP', { timeout: 600_000 }, () => {
  let dataDir: string;
  let server: ServerProcess;
  let token: string;
  let rootId: string;
  const env = () => ({ IDRIVE_DATA_DIR: dataDir, IDRIVE_ADMIN_PASSWORD: PASSWORD });
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-large-'));
    server = await startServerProcess(env());
    token = await loginOver(server.baseUrl, 'admin', PASSWORD);
    const root = await fetch(`${server.baseUrl}/api/v1/folders/root`, { headers: auth() });
    rootId = ((await root.json()) as Listing).folder.id;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function downloadSha256(fileId: string): Promise<string> {
    const hash = createHash('sha256');
    const res = await receive(`${server.baseUrl}/api/v1/files/${fileId}/content`, auth(), (d) =>
      hash.update(d),
    );
    expect(res.status).toBe(200);
    return hash.digest('hex');
  }

  let rawFileId: string;
  const raw = new Pattern('raw upload', GiB);

  it('uploads 1 GiB raw and downloads it with the same SHA-256', async () => {
    const res = await send(`${server.baseUrl}/api/v1/folders/${rootId}/files/raw.bin`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream', 'content-length': String(raw.size) },
      body: raw.pieces(),
    });
    expect(res.status, res.body.toString()).toBe(201);
    rawFileId = (JSON.parse(res.body.toString()) as Item).id;
    expect(await downloadSha256(rawFileId)).toBe(raw.sha256());
  });

  it('answers 1,000 random Range reads with the source bytes, and 416 outside the file', async () => {
    const size = raw.size;
    const ranges: [number, number][] = [
      [0, 0],
      [size - 1, size - 1],
      [CHUNK - 1, CHUNK],
      [SEGMENT - 1, SEGMENT],
      [5 * CHUNK - 3, 5 * CHUNK + SEGMENT + 3],
    ];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    while (ranges.length < 1000) {
      const kind = rand(4);
      if (kind === 0) {
        // Across a chunk border.
        const border = (1 + rand(Math.floor(size / CHUNK) - 1)) * CHUNK;
        ranges.push([border - 1 - rand(SEGMENT), border + rand(SEGMENT)]);
      } else if (kind === 1) {
        // Across a segment border.
        const border = (1 + rand(Math.floor(size / SEGMENT) - 1)) * SEGMENT;
        ranges.push([border - 1 - rand(100), border + rand(100)]);
      } else {
        const start = rand(size);
        ranges.push([start, Math.min(size - 1, start + rand(300_000))]);
      }
    }
    for (const [start, end] of ranges) {
      const res = await send(`${server.baseUrl}/api/v1/files/${rawFileId}/content`, {
        method: 'GET',
        headers: { ...auth(), range: `bytes=${start}-${end}` },
      });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.body.equals(raw.at(start, end - start + 1)), `bytes=${start}-${end}`).toBe(true);
    }
    for (const suffix of [1, 1000, SEGMENT + 1, CHUNK + 7]) {
      const res = await send(`${server.baseUrl}/api/v1/files/${rawFileId}/content`, {
        method: 'GET',
        headers: { ...auth(), range: `bytes=-${suffix}` },
      });
      expect(res.status).toBe(206);
      expect(res.body.equals(raw.at(size - suffix, suffix))).toBe(true);
    }
    for (const bad of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`]) {
      const res = await send(`${server.baseUrl}/api/v1/files/${rawFileId}/content`, {
        method: 'GET',
        headers: { ...auth(), range: bad },
      });
      expect(res.status, bad).toBe(416);
    }
  });

  it('resumes a 1 GiB tus upload after a dropped connection and after the server is killed', async () => {
    const source = new Pattern('tus upload', GiB);
    const tus = { 'tus-resumable': '1.0.0' };
    const created = await send(`${server.baseUrl}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...auth(),
        ...tus,
        'upload-length': String(source.size),
        'upload-metadata': `filename ${Buffer.from('tus.bin').toString('base64')},parentId ${Buffer.from(rootId).toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const location = `${server.baseUrl}${created.headers.location}`;
    const offsetNow = async () => {
      const head = await send(location, { method: 'HEAD', headers: { ...auth(), ...tus } });
      expect(head.status).toBe(200);
      return Number(head.headers['upload-offset']);
    };
    const patch = (from: number, options: { dropAfter?: number; onProgress?: (n: number) => void } = {}) =>
      send(location, {
        method: 'PATCH',
        headers: {
          ...auth(),
          ...tus,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(from),
          'content-length': String(source.size - from),
        },
        body: source.pieces(from),
        ...options,
      });

    // 1. The connection drops after ~300 MiB (mid-chunk).
    const dropped = await patch(0, { dropAfter: 300 * 1024 * 1024 + 12345 });
    expect(dropped.status).toBe(-1);
    const afterDrop = await offsetNow();
    expect(afterDrop).toBeGreaterThan(250 * 1024 * 1024);
    expect(afterDrop).toBeLessThanOrEqual(300 * 1024 * 1024 + 12345);

    // 2. The server is killed (no clean shutdown) while the next PATCH is streaming.
    let killed: Promise<void> | undefined;
    const crashed = await patch(afterDrop, {
      onProgress: (written) => {
        if (!killed && written > 300 * 1024 * 1024) killed = server.stop(true);
      },
    }).catch(() => ({ status: -1 }));
    await killed;
    expect(crashed.status).not.toBe(204);

    server = await startServerProcess(env(), { port: Number(new URL(server.baseUrl).port) });
    const afterCrash = await offsetNow();
    expect(afterCrash).toBeGreaterThanOrEqual(afterDrop);
    expect(afterCrash).toBeLessThan(source.size);

    // 3. The rest goes through, and the file is whole.
    const done = await patch(afterCrash);
    expect(done.status, done.body.toString()).toBe(204);
    const fileId = done.headers['x-idrive-file-id'] as string;
    expect(await downloadSha256(fileId)).toBe(source.sha256());
  });
});
