import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, TrashListing } from '@idrive/shared';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'phone-test-password';

/** A press held on a touch screen (Playwright only taps), through the DevTools protocol. */
async function longPress(page: Page, x: number, y: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  await page.waitForTimeout(800);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** The browser on a 375 px phone: one column, taps open, a long press selects, actions at the bottom. */
describe('the browser on a phone', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;
  let api: DriveApi;
  let photo: Item;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    const trip = await api.mkdir(api.rootId, 'Trip');
    await api.put(trip.id, 'itinerary.txt', 'day 1: the beach');
    photo = await api.put(api.rootId, 'photo-notes.txt', 'sunset at 8');
  });

  afterAll(() => web?.close());

  it('lists without sideways scrolling, opens with a tap, selects with a long press and acts from the bottom bar', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    await signIn(page, server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    const row = grid.getByRole('row', { name: /photo-notes\.txt/ });
    await row.waitFor();
    const main = page.getByRole('main');
    expect(await main.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(375);

    // A tap opens a folder.
    await grid.getByRole('row', { name: /Trip/ }).tap();
    await page
      .getByRole('grid', { name: 'Contents of Trip' })
      .getByRole('row', { name: /itinerary\.txt/ })
      .waitFor();
    await page.goBack();
    await row.waitFor();

    // A long press selects; the actions appear at the bottom of the screen.
    const box = (await row.boundingBox())!;
    await longPress(page, box.x + 60, box.y + box.height / 2);
    expect(await row.getAttribute('aria-selected')).toBe('true');
    const bar = page.getByRole('toolbar', { name: 'Selected items' });
    await bar.getByText('1 selected').waitFor();
    const barBox = (await bar.boundingBox())!;
    expect(barBox.y + barBox.height).toBeGreaterThan(700);
    expect(barBox.x + barBox.width).toBeLessThanOrEqual(375);

    await bar.getByRole('button', { name: 'Trash' }).tap();
    await page.getByText('Moved 1 item to the trash').waitFor();
    expect(await row.count()).toBe(0);
    expect((await api.json<TrashListing>('GET', '/trash')).items.map((item) => item.id)).toEqual([photo.id]);

    // Nothing on the page (header included) makes it scroll sideways.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await context.close();
  });
});
