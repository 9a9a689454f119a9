import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';
import { startSlowLink, type SlowLink } from './slow-link.js';

const PASSWORD = 'downloads-test-password';
const MiB = 1024 * 1024;

const panel = (page: Page) => page.getByRole('region', { name: /^Download/ });

/** Downloads started from the page: the browser saves them, the downloads panel follows them. */
describe('downloads in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let api: DriveApi;
  /** 2 MiB/s, so a 32 MiB zip takes 16 s: long enough to watch and cancel it on a busy machine. */
  let link: SlowLink;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    api = await driveApi(web.server.baseUrl, 'admin', PASSWORD);
    const photos = await api.mkdir(api.rootId, 'Photos');
    for (const name of ['a.bin', 'b.bin', 'c.bin', 'd.bin'])
      await api.put(photos.id, name, randomBytes(8 * MiB));
    await api.put(api.rootId, 'notes.txt', 'first notes\n');
    link = await startSlowLink(web.server.baseUrl, 2 * MiB);
  });

  afterAll(async () => {
    await link?.close();
    await web?.close();
  });

  async function signedIn(): Promise<Page> {
    const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    await signIn(page, link.url, PASSWORD);
    return page;
  }

  it('shows a zip of a folder going out, with bytes, entries and speed, and cancels it', async () => {
    const page = await signedIn();
    await page.getByRole('button', { name: 'More actions for Photos' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('Photos.zip');

    await panel(page).getByRole('heading', { name: 'Downloading 1 item' }).waitFor();
    const bar = panel(page).getByRole('progressbar', { name: 'Download progress of Photos.zip' });
    const percent = async () => Number(await bar.getAttribute('aria-valuenow'));
    await expect.poll(percent, { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
    expect(await percent()).toBeLessThan(100);
    const status = panel(page).locator('.transfer-job-status');
    await expect
      .poll(() => status.innerText())
      .toMatch(/^[\d.]+ MB of 32 MB · \d of 4 entries · [\d.]+ [KM]?B\/s/);

    await panel(page).getByRole('button', { name: 'Cancel download of Photos.zip' }).click();
    await expect.poll(() => status.innerText()).toMatch(/^Cancelled after [\d.]+ MB of 32 MB/);
    await panel(page).getByRole('heading', { name: 'Downloads' }).waitFor();
    expect(await bar.count()).toBe(0);
    // The browser saw the download cut, and its own retry (a Range request) was refused.
    expect(await download.failure()).not.toBeNull();

    await panel(page).getByRole('button', { name: 'Dismiss Photos.zip' }).click();
    expect(await panel(page).count()).toBe(0);
    await page.context().close();
  });

  it('follows a file download to the end', async () => {
    const page = await signedIn();
    await page.getByRole('button', { name: 'More actions for notes.txt' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(await readFile((await download.path())!, 'utf8')).toBe('first notes\n');
    await panel(page).getByText('Done: your browser has it').waitFor();
    expect(await panel(page).getByRole('heading').innerText()).toBe('Downloads');
    await page.context().close();
  });
});
