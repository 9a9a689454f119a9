import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '@idrive/shared';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fromNewMenu, signIn } from './drive.js';
import { sha256, storedTree } from './uploads-helpers.js';

const PASSWORD = 'resume-test-password';
const MiB = 1024 * 1024;
const SIZE = 80 * MiB;

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** A big upload cut by a page reload goes on from what the server has once the file is picked again. */
describe('resuming an upload after a reload in Chromium', { timeout: 180_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let baseUrl: string;
  let disk: string;
  let big: string;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    baseUrl = web.server.baseUrl;
    disk = await mkdtemp(path.join(os.tmpdir(), 'idrive-resume-e2e-'));
    big = path.join(disk, 'video.bin');
    await writeFile(big, randomBytes(SIZE));
  });

  afterAll(async () => {
    await web?.close();
    if (disk) await rm(disk, { recursive: true, force: true });
  });

  it('pauses and resumes, warns before leaving, lists the interrupted upload, and resumes it from the server’s offset', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);
    // A slow uplink (8 MB/s), so the reload lands in the middle of the upload.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 8 * MiB,
    });

    let uploadUrl = '';
    page.on('response', (response) => {
      if (response.request().method() === 'POST' && response.url().endsWith('/api/v1/uploads')) {
        uploadUrl = response.headers()['location'] ?? '';
      }
    });
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      fromNewMenu(page, 'Upload files'),
    ]);
    await chooser.setFiles(big);

    const progress = page.getByRole('progressbar', { name: 'Upload progress of video.bin' });
    await expect
      .poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(25);
    expect(uploadUrl).toMatch(/^\/api\/v1\/uploads\/[0-9a-f-]{36}$/);

    // Pause holds the upload where it is; resume goes on from there.
    await page.getByRole('button', { name: 'Pause video.bin' }).click();
    await page.getByText(/Paused at/).waitFor();
    const pausedAt = Number(await progress.getAttribute('aria-valuenow'));
    await page.waitForTimeout(500);
    expect(Number(await progress.getAttribute('aria-valuenow'))).toBe(pausedAt);
    await page.getByRole('button', { name: 'Resume video.bin' }).click();
    await expect
      .poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 30_000 })
      .toBeGreaterThan(pausedAt + 10);

    // Leaving asks first while the upload runs; the test says "leave".
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.reload();
    expect(dialogs).toEqual(['beforeunload']);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

    await page.getByRole('heading', { name: '1 upload interrupted' }).waitFor();
    await page.getByText('Select the file again to resume').first().waitFor();

    // What the server kept of the cut request: neither nothing nor everything.
    const { token } = await storedTree(baseUrl, 'admin', PASSWORD);
    const head = await fetch(`${baseUrl}${uploadUrl}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
    });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(SIZE);

    const sent: Request[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/v1/uploads')) sent.push(request);
    });
    const [again] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Select files again' }).click(),
    ]);
    await again.setFiles(big);
    await page.getByRole('heading', { name: 'Uploads complete' }).waitFor({ timeout: 60_000 });

    // It went on where the server stopped: no new upload was created, the first PATCH started at the offset.
    expect(sent.filter((r) => r.method() === 'POST')).toEqual([]);
    const patches = sent.filter((r) => r.method() === 'PATCH');
    expect(patches.length).toBeGreaterThan(0);
    expect(Number(await patches[0]!.headerValue('upload-offset'))).toBe(offset);
    expect(patches.every((r) => r.url().endsWith(uploadUrl))).toBe(true);
    await page.getByText(/Resumed at/).waitFor();

    const api = await driveApi(baseUrl, 'admin', PASSWORD);
    const root = await api.json<{ items: Item[] }>('GET', '/folders/root');
    const stored = root.items.find((item) => item.name === 'video.bin');
    expect(stored?.size).toBe(SIZE);
    const content = await fetch(`${baseUrl}/api/v1/files/${stored!.id}/content`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(sha256(new Uint8Array(await content.arrayBuffer()))).toBe(await fileSha256(big));
    await page.context().close();
  });
});
