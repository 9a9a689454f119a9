import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/dav-client.js';
import { receive, send } from '../helpers/http-client.js';
import { Pattern } from '../helpers/pattern.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const PASSWORD = 'large-dav-password';

/** A gibibyte PUT over WebDAV to a real server process, whose memory stays flat, then a resumed GET. */
describe('1 GiB over WebDAV', { timeout: 300_000 }, () => {
  let dataDir: string;
  let server: ServerProcess;
  const auth = basic('admin', PASSWORD);
  const source = new Pattern('webdav 1 GiB', GiB);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-dav-large-'));
    server = await startServerProcess({ IDRIVE_DATA_DIR: dataDir, IDRIVE_ADMIN_PASSWORD: PASSWORD });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('streams a 1 GiB chunked PUT without holding it, and a ranged GET resumes it byte for byte', async () => {
    const before = server.rss();
    const put = await send(`${server.baseUrl}/dav/big%20one.bin`, {
      method: 'PUT',
      // No length: Finder's and rclone's streaming uploads are chunked.
      headers: { ...auth, 'transfer-encoding': 'chunked', 'x-expected-entity-length': String(GiB) },
      body: source.pieces(),
    });
    expect(put.status, put.body.toString()).toBe(201);
    const growth = server.peakRss() - before;
    expect(growth).toBeLessThan(256 * MiB);

    // A download that stopped at 700 MiB picks up from there.
    const from = 700 * MiB + 12345;
    const hash = createHash('sha256');
    const res = await receive(
      `${server.baseUrl}/dav/big%20one.bin`,
      { ...auth, range: `bytes=${from}-` },
      (d) => hash.update(d),
    );
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${from}-${GiB - 1}/${GiB}`);
    expect(res.bytes).toBe(GiB - from);
    const expected = createHash('sha256');
    for (const piece of source.pieces(from)) expected.update(piece);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
  });
});
