import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { loginOver } from '../../../server/test/helpers/http-client.js';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { fromAccountMenu } from './drive.js';

const PASSWORD = 'browser-test-password';

/** The built web app, served by the real server, driven by a real browser as a person would. */
describe('the web app in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    const token = await loginOver(server.baseUrl, 'admin', PASSWORD);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const root = (await (
      await fetch(`${server.baseUrl}/api/v1/folders/root`, { headers: auth })
    ).json()) as Listing;
    const folder = (await (
      await fetch(`${server.baseUrl}/api/v1/folders`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ parentId: root.folder.id, name: 'Holidays' }),
      })
    ).json()) as Item;
    for (const [parent, name] of [
      [root.folder.id, 'notes.txt'],
      [folder.id, 'beach.jpg'],
    ] as const) {
      const res = await fetch(`${server.baseUrl}/api/v1/folders/${parent}/files/${name}`, {
        method: 'PUT',
        headers: { authorization: auth.authorization },
        body: `content of ${name}`,
      });
      expect(res.status).toBe(201);
    }
  });

  afterAll(() => web?.close());

  it('refuses a wrong password, signs in, lists and opens folders, downloads a file, signs out', async () => {
    const page = await browser.newPage();
    await page.goto(server.baseUrl);

    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username or password');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('row', { name: /Holidays/ }).waitFor();
    expect(await page.getByRole('row', { name: /notes\.txt/ }).count()).toBe(1);

    await page.getByRole('row', { name: /Holidays/ }).dblclick();
    await page.getByRole('row', { name: /beach\.jpg/ }).waitFor();
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).waitFor();

    await page.getByRole('row', { name: /beach\.jpg/ }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('toolbar', { name: 'Selected items' }).getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('beach.jpg');

    // The session survives a reload (the cookie), then ends on sign-out.
    await page.reload();
    await page.getByRole('row', { name: /beach\.jpg/ }).waitFor();
    await fromAccountMenu(page, 'Sign out');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.close();
  });
});
