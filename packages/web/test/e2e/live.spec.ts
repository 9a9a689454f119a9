import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'live-test-password';

/** Changes made elsewhere (the API, another browser) show up without a reload. */
describe('live updates in the browser', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;
  let api: DriveApi;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    await api.put(api.rootId, 'existing.txt', 'already here');
  });

  afterAll(() => web?.close());

  it('a second browser of the same user sees items created, renamed and trashed elsewhere', async () => {
    const [first, second] = await Promise.all([browser.newContext(), browser.newContext()]);
    const [pageA, pageB] = await Promise.all([first.newPage(), second.newPage()]);
    await signIn(pageA, server.baseUrl, PASSWORD);
    await signIn(pageB, server.baseUrl, PASSWORD);
    const gridA = pageA.getByRole('grid', { name: 'Contents of My Drive' });
    const gridB = pageB.getByRole('grid', { name: 'Contents of My Drive' });
    await gridB.getByRole('row', { name: /existing\.txt/ }).waitFor();

    // Created through the API: both browsers list it, in sorted place.
    const created = await api.put(api.rootId, 'arrived.txt', 'hello');
    await gridB.getByRole('row', { name: /arrived\.txt/ }).waitFor();
    await gridA.getByRole('row', { name: /arrived\.txt/ }).waitFor();

    // Renamed in the first browser: the second follows.
    await gridA.getByRole('row', { name: /arrived\.txt/ }).click();
    await pageA.keyboard.press('F2');
    await pageA.getByLabel('New name').fill('welcome.txt');
    await pageA.getByRole('button', { name: 'Rename', exact: true }).click();
    await gridB.getByRole('row', { name: /welcome\.txt/ }).waitFor();

    // Trashed through the API: gone from both.
    await api.json('POST', '/items/trash', { ids: [created.id] });
    await gridB.getByRole('row', { name: /welcome\.txt/ }).waitFor({ state: 'detached' });
    await gridA.getByRole('row', { name: /welcome\.txt/ }).waitFor({ state: 'detached' });
    await Promise.all([first.close(), second.close()]);
  });

  it('reconnects quietly after the server restarts and keeps following changes', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await grid.getByRole('row', { name: /existing\.txt/ }).waitFor();
    // A page reload would drop this; catching up must happen in the running page.
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));

    await web.restartServer();
    // The session lives in the database, so the same token and cookie still work.
    await api.put(api.rootId, 'after-restart.txt', 'back again');

    await grid.getByRole('row', { name: /after-restart\.txt/ }).waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => 'stillTheSamePage' in window)).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    await context.close();
  });
});
