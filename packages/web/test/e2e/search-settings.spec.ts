import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from './browser.js';
import { loginOver } from '../../../server/test/helpers/http-client.js';
import { driveApi, fromAccountMenu, listedNames, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'settings-test-password';

/** The names of the search results, in order. */
async function resultNames(page: Page): Promise<string[]> {
  return listedNames(page.getByRole('region', { name: 'Results' }));
}

/** Search, appearance and account settings, as a person uses them. */
describe('search and settings in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let baseUrl: string;
  let api: DriveApi;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    baseUrl = web.server.baseUrl;
    api = await driveApi(baseUrl, 'admin', PASSWORD);
    const reports = await api.mkdir(api.rootId, 'Reports');
    await api.put(reports.id, 'report-small.txt', 'tiny');
    await api.put(reports.id, 'report-big.txt', 'x'.repeat(300 * 1024));
    // Sent without a content type, so the server takes the type from the name (image/png).
    const token = await loginOver(baseUrl, 'admin', PASSWORD);
    const photo = await fetch(`${baseUrl}/api/v1/folders/${api.rootId}/files/report-photo.png`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    });
    expect(photo.status).toBe(201);
  });

  afterAll(() => web?.close());

  it('finds by name from the header box, then narrows by type and by size', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, baseUrl, PASSWORD);

    // Once the folder has loaded (it focuses its heading), `/` focuses the header's search box.
    await page.getByText('Reports').first().waitFor();
    await page.keyboard.press('/');
    const box = page.getByRole('searchbox', { name: 'Search your drive' });
    expect(await box.evaluate((el) => el.matches(':focus'))).toBe(true);
    await box.fill('report-');
    await box.press('Enter');
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor();
    await expect
      .poll(() => resultNames(page))
      .toEqual(['report-big.txt', 'report-photo.png', 'report-small.txt']);

    await page.getByLabel('Type').selectOption({ label: 'Images' });
    await expect.poll(() => resultNames(page)).toEqual(['report-photo.png']);
    expect(new URL(page.url()).searchParams.get('what')).toBe('image');

    await page.getByLabel('Type').selectOption({ label: 'Anything' });
    await page.getByLabel('Size unit').selectOption('KB');
    await page.getByLabel('Smallest size').fill('100');
    await page.getByLabel('Smallest size').press('Enter');
    await expect.poll(() => resultNames(page)).toEqual(['report-big.txt']);
    expect(await page.getByText('1 result', { exact: true }).count()).toBe(1);

    // A result opens its folder.
    await page.getByRole('link', { name: /^Show in folder: .*Reports$/ }).click();
    await page.waitForURL(/\/folders\//);
    await context.close();
  });

  it('switches to Polish and the dark theme, and both survive a reload', async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    await signIn(page, baseUrl, PASSWORD);
    await fromAccountMenu(page, 'Settings');
    await page.getByRole('radio', { name: 'Dark' }).check();
    await page.getByRole('radio', { name: 'Polski' }).check();

    const html = page.locator('html');
    // Relative luminance of the page's background, 0 (black) to 1 (white).
    const luminance = async () => {
      const colour = await page
        .locator('body')
        .evaluate((body) => body.ownerDocument.defaultView!.getComputedStyle(body).backgroundColor);
      const [r, g, b] = colour.match(/\d+/g)!.map(Number);
      return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
    };
    for (const when of ['now', 'after reload']) {
      if (when === 'after reload') await page.reload();
      await page.getByRole('button', { name: 'Konto: admin' }).waitFor();
      await page.getByRole('heading', { name: 'Ustawienia' }).waitFor();
      expect(await html.getAttribute('lang')).toBe('pl');
      expect(await html.getAttribute('data-theme')).toBe('dark');
      expect(await luminance()).toBeLessThan(0.2);
    }

    // The server answers in English; the app words its errors in the chosen language.
    await page.goto(baseUrl);
    await page.getByRole('button', { name: 'Nowy', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Nowy folder' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nowy folder' });
    await dialog.getByLabel('Nazwa folderu').fill('Reports');
    await dialog.getByRole('button', { name: 'Utwórz' }).click();
    await expect
      .poll(() => dialog.getByRole('alert').textContent())
      .toBe('Element o tej nazwie już tu istnieje.');
    await context.close();
  });

  it('an admin adds a user, who ends another session and changes their password', async () => {
    const admin = await browser.newContext();
    const adminPage = await admin.newPage();
    await signIn(adminPage, baseUrl, PASSWORD);
    await adminPage.getByRole('link', { name: 'Users' }).click();
    const form = adminPage.getByRole('form', { name: 'New user' });
    await form.getByLabel('Username').fill('erin');
    await form.getByLabel('Password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('at least 8');
    await form.getByLabel('Password').fill('erin-first-password');
    await form.getByRole('button', { name: 'Create user' }).click();
    await adminPage.getByRole('listitem', { name: 'erin' }).waitFor();
    await admin.close();

    // Erin is also signed in somewhere else (another device, over the API).
    const elsewhere = await driveApi(baseUrl, 'erin', 'erin-first-password');

    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'erin-first-password', 'erin');
    await fromAccountMenu(page, 'Settings');
    const sessions = page.getByRole('region', { name: 'Where you are signed in' });
    await expect.poll(() => sessions.getByRole('listitem').count()).toBe(2);
    await sessions
      .getByRole('listitem')
      .filter({ hasNotText: 'This browser' })
      .getByRole('button', { name: /^Sign out/ })
      .click();
    await expect.poll(() => sessions.getByRole('listitem').count()).toBe(1);
    await expect(elsewhere.json('GET', '/auth/me')).rejects.toThrow(/401/);

    const password = page.getByRole('region', { name: 'Password', exact: true });
    await password.getByLabel('Current password').fill('not-my-password');
    await password.getByLabel('New password', { exact: true }).fill('erin-second-password');
    await password.getByLabel('Repeat the new password').fill('erin-second-password');
    await password.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => password.getByRole('alert').textContent()).toContain('current password is wrong');
    await password.getByLabel('Current password').fill('erin-first-password');
    await password.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => password.getByRole('status').textContent()).toContain('Password changed');

    await fromAccountMenu(page, 'Sign out');
    await page.getByLabel('Username').fill('erin');
    await page.getByLabel('Password').fill('erin-first-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username or password');
    await page.getByLabel('Password').fill('erin-second-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Account: erin' }).waitFor();
    await context.close();
  });
});
