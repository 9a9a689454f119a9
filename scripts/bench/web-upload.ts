// The web app in Chromium uploading one big file (1 GiB unless BENCH_FILE_MIB says otherwise): picked
// with the real file picker, timed until the file shows in the listing. Printed next to the ceiling
// measured in the same run on the same server: the same file sent by Node as one plain PUT.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { loginOver } from '../../packages/server/test/helpers/http-client.js';
import { startServerProcess } from '../../packages/server/test/helpers/server-process.js';
import { launchBrowser } from '../../packages/web/test/e2e/browser.js';
import { driveApi, signIn } from '../../packages/web/test/e2e/drive.js';
import { FILE_SIZE, MiB, mbps, type Row } from './rows.js';
import { PASSWORD, webAppSnapshot } from './drive.js';

/** The goal: the page uploads at least this share of what a plain PUT does on the same server. */
const SHARE_OF_PUT = 0.9;

/** A file of `size` random-looking bytes (one 16 MiB random block, repeated: writing it costs no CPU). */
async function bigFile(file: string, size: number): Promise<void> {
  const block = randomBytes(16 * MiB);
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < size; written += block.length) {
      await handle.write(block, 0, Math.min(block.length, size - written));
    }
  } finally {
    await handle.close();
  }
}

/** The ceiling: the file streamed from disk in one PUT, in ms. */
function timedPut(url: string, token: string, file: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'content-length': String(size),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 201
          ? resolve(performance.now() - started)
          : reject(new Error(`PUT: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

export async function webUploadRows(): Promise<Row[]> {
  const { dataDir, webDir } = await webAppSnapshot('idrive-bench-upload-');
  const file = path.join(dataDir, 'big.bin');
  await bigFile(file, FILE_SIZE);
  const server = await startServerProcess({
    IDRIVE_DATA_DIR: path.join(dataDir, 'drive'),
    IDRIVE_ADMIN_PASSWORD: PASSWORD,
    IDRIVE_WEB_DIR: webDir,
  });
  const browser = await launchBrowser();
  try {
    const api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    const direct = await api.mkdir(api.rootId, 'Direct');
    const token = await loginOver(server.baseUrl, 'admin', PASSWORD);
    const putMs = await timedPut(
      `${server.baseUrl}/api/v1/folders/${direct.id}/files/big.bin`,
      token,
      file,
      FILE_SIZE,
    );

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('menuitem', { name: 'Files' }).click(),
    ]);
    const started = performance.now();
    await chooser.setFiles(file);
    await page
      .getByRole('grid')
      .getByRole('row', { name: /big\.bin/ })
      .waitFor({ timeout: 30 * 60_000 });
    const webMs = performance.now() - started;

    const mib = FILE_SIZE / MiB;
    return [
      {
        metric: `web: upload ${mib} MiB file in Chromium (picker → in the listing)`,
        value: mbps(FILE_SIZE, webMs),
        unit: 'MB/s',
        target: `≥ ${SHARE_OF_PUT * 100}% of a Node PUT`,
        ceiling: `same file as one PUT from Node ${mbps(FILE_SIZE, putMs).toFixed(1)} MB/s: ${((100 * putMs) / webMs).toFixed(0)}%`,
        pass: webMs * SHARE_OF_PUT <= putMs,
      },
    ];
  } finally {
    await browser.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
