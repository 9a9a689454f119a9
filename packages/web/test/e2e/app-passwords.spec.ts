import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from './browser.js';
import { fromAccountMenu, signIn } from './drive.js';

const PASSWORD = 'app-password-test-1';

/** App passwords in Settings, as a person makes, copies and revokes one. */
describe('app passwords in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    baseUrl = web.server.baseUrl;
  });
  afterAll(() => web?.close());

  const asBearer = (secret: string, method = 'GET', url = '/api/v1/folders/root') =>
    fetch(baseUrl + url, {
      method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: JSON.stringify({ name: 'from-a-reader' }) }),
    });

  it('creates a read-only one, shows it once, lists its last use and revokes it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, baseUrl, PASSWORD);
    await fromAccountMenu(page, 'Settings');
    const section = page.getByRole('region', { name: 'App passwords' });
    await section.getByText('No app passwords yet.').waitFor();

    await section.getByRole('button', { name: 'Create app password' }).click();
    await expect
      .poll(() => section.getByRole('alert').textContent())
      .toContain('Give the app password a name');
    await section.getByLabel('Name').fill('backup laptop');
    await section.getByRole('checkbox', { name: /Read-only/ }).check();
    await section.getByRole('button', { name: 'Create app password' }).click();
    const secretBox = section.getByRole('textbox', { name: 'App password for backup laptop' });
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^idrive_ap_/);

    const entry = section.getByRole('listitem', { name: 'backup laptop' });
    await expect.poll(() => entry.textContent()).toContain('Read-only');
    await expect.poll(() => entry.textContent()).toContain('never used');
    // Read-only: it reads, and it is refused a write.
    expect((await asBearer(secret)).status).toBe(200);
    expect((await asBearer(secret, 'POST', '/api/v1/tags')).status).toBe(403);

    await section.getByRole('button', { name: 'Done' }).click();
    expect(await secretBox.count()).toBe(0);
    await page.reload();
    await expect.poll(() => entry.textContent()).toContain('last used');
    // Shown once: the page no longer has it anywhere.
    expect(await page.content()).not.toContain(secret);

    await entry.getByRole('button', { name: 'Revoke backup laptop' }).click();
    await expect.poll(() => entry.count()).toBe(0);
    expect((await asBearer(secret)).status).toBe(401);
    await context.close();
  });

  it('shows the section in Polish', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, baseUrl, PASSWORD);
    await page.evaluate(() => localStorage.setItem('idrive.locale', 'pl'));
    await page.goto(`${baseUrl}/settings`);
    await page.getByRole('region', { name: 'Hasła aplikacji' }).waitFor();
    await context.close();
  });
});
