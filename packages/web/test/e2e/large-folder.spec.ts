import type { Listing } from '@idrive/shared';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fillFolder, signIn } from './drive.js';

const PASSWORD = 'large-folder-password';
const ENTRIES = 50_000;

/**
 * A folder of 50,000 entries opens after its first page and scrolls to its end, rendering only what
 * is on screen and asking for later pages only as they are needed.
 */
describe('a 50,000-entry folder in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;
  let folderId: string;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    const api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    folderId = (await api.mkdir(api.rootId, 'Big')).id;
    await fillFolder(web.dataDir, api.userId, folderId, ENTRIES);
  });

  afterAll(() => web?.close());

  it('opens on its first page, and loads the pages up to the last entry when the keyboard goes there', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    const pages: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(`/folders/${folderId}/children`)) pages.push(request.url());
    });
    await page.getByRole('row', { name: /Big/ }).dblclick();
    const grid = page.getByRole('grid', { name: 'Contents of Big' });
    await grid.getByRole('row', { name: /file-000000\.txt/ }).waitFor();
    expect(await page.getByText('50,000 items').count()).toBe(1);
    // Only what is on screen is in the DOM.
    expect(await grid.getByRole('row').count()).toBeLessThan(80);
    // Nothing past the first page is asked for while the top of the folder is on screen.
    await page.waitForTimeout(500);
    expect(pages).toHaveLength(1);
    expect(new URL(pages[0]!).searchParams.get('limit')).toBe('500');

    await grid.getByRole('row', { name: /file-000000\.txt/ }).click();
    await page.keyboard.press('End');
    const last = grid.getByRole('row', { name: /file-049999\.txt/ });
    await last.waitFor({ timeout: 60_000 });
    expect(pages.length).toBeGreaterThan(1);
    expect(await last.isVisible()).toBe(true);
    expect(await last.getAttribute('aria-selected')).toBe('true');
    expect(await last.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await expect.poll(() => grid.getByRole('row', { name: /file-000000\.txt/ }).count()).toBe(0);
    expect(await last.getAttribute('aria-rowindex')).toBe(String(ENTRIES + 1));

    // Back to the top by scrolling (not the keyboard): the first entry is rendered again.
    await page.mouse.wheel(0, -1e7);
    await grid.getByRole('row', { name: /file-000000\.txt/ }).waitFor();
    await page.close();
  });

  it('steps from the preview of the last loaded file to the next, on a page not loaded yet', async () => {
    const api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    const page499 = await api.json<Listing>('GET', `/folders/${folderId}/children?offset=499&limit=1`);
    const last = page499.items[0]!;
    expect(last.name).toBe('file-000499.txt');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    await page.goto(`${server.baseUrl}/folders/${folderId}?preview=${last.id}`);
    const preview = page.getByRole('dialog', { name: 'file-000499.txt' });
    await preview.waitFor();
    const next = preview.getByRole('button', { name: 'Next file' });
    await expect.poll(() => next.isEnabled(), { timeout: 30_000 }).toBe(true);
    await next.click();
    await page.getByRole('dialog', { name: 'file-000500.txt' }).waitFor();
    await page.close();
  });
});
