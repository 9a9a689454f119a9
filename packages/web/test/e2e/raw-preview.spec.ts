import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo, Item } from '@idrive/shared';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';
import { png } from './preview-fixtures.js';

const PASSWORD = 'raw-preview-password';
const R6 = new URL('../../../server/test/fixtures/raw/Canon-R6-pruned.CR3', import.meta.url);

/** A camera RAW file in the grid and the viewer, through the previews the server makes of it. */
describe('camera RAW in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let api: DriveApi;
  let raw: Item;

  async function waitForMedia(file: Item): Promise<void> {
    const deadline = Date.now() + 60_000;
    while ((await api.json<FileInfo>('GET', `/files/${file.id}/info`)).media?.status === 'pending') {
      if (Date.now() > deadline) throw new Error(`No media facts for ${file.name} after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    api = await driveApi(web.server.baseUrl, 'admin', PASSWORD);
    raw = await api.put(api.rootId, 'IMG_0001.CR3', await readFile(R6));
    const after = await api.put(api.rootId, 'later.png', await png(50, 40));
    await waitForMedia(raw);
    await waitForMedia(after);
  });

  afterAll(() => web?.close());

  it('shows its thumbnail in the grid and opens the full-size preview with camera details', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, web.server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await page.getByRole('button', { name: 'Grid' }).click();
    const tile = grid.getByRole('gridcell', { name: /IMG_0001\.CR3/ });
    await expect.poll(() => tile.evaluate((cell) => cell.querySelector('img')?.naturalWidth ?? 0)).toBe(256);

    await tile.dblclick();
    const dialog = page.getByRole('dialog', { name: 'IMG_0001.CR3' });
    const image = dialog.getByRole('img', { name: 'IMG_0001.CR3' });
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]))
      .toEqual([1620, 1080]);
    expect(await image.getAttribute('src')).toContain(`/files/${raw.id}/preview`);

    // Zoom and pan like any image.
    const zoomLevel = dialog.getByLabel('Zoom level');
    const fitted = await zoomLevel.textContent();
    await dialog.getByRole('button', { name: 'Zoom in' }).click();
    expect(await zoomLevel.textContent()).not.toBe(fitted);
    const before = (await image.boundingBox())!;
    await page.mouse.move(before.x + before.width / 2, before.y + before.height / 2);
    await page.mouse.down();
    await page.mouse.move(before.x + before.width / 2 + 80, before.y + before.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => (await image.boundingBox())!.x).toBeGreaterThan(before.x + 40);

    const details = dialog.getByRole('complementary', { name: 'File details' });
    await dialog.getByRole('button', { name: 'File details' }).click();
    await details.getByText('Canon EOS R6').waitFor();
    await details.getByText('RF70-200mm F2.8 L IS USM').waitFor();
    await details.getByText('1/4 s').waitFor();
    await details.getByText('f/25').waitFor();
    await details.getByText('3408 × 2272 px').waitFor();
    await details.getByText('1620 × 1080 px').waitFor();

    // Next steps to the PNG after it, like between any images.
    await page.keyboard.press('ArrowRight');
    const next = page.getByRole('dialog', { name: 'later.png' }).getByRole('img', { name: 'later.png' });
    await expect.poll(() => next.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(50);
    await page.close();
  });
});
