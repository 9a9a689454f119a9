import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing, Share, User } from '@idrive/shared';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'shares-test-password';
const BEACH = 'sunny beach, 21 bytes';

/** Opens the browser's action menu of one entry of the open folder and picks an item. */
async function itemAction(page: Page, name: string, action: string): Promise<void> {
  await page.getByRole('button', { name: `More actions for ${name}` }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

/** Share links and locked folders, from the owner's dialogs to a stranger's browser. */
describe('shares and locked folders in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let baseUrl: string;
  let secret: Item;
  let inbox: Item;
  let api: DriveApi;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    baseUrl = web.server.baseUrl;
    api = await driveApi(baseUrl, 'admin', PASSWORD);
    const holidays = await api.mkdir(api.rootId, 'Holidays');
    await api.put(holidays.id, 'beach.txt', BEACH);
    await api.put(holidays.id, 'hotel.txt', 'room 12');
    secret = await api.mkdir(api.rootId, 'Secret');
    await api.put(secret.id, 'plan.txt', 'the plan');
    inbox = await api.mkdir(api.rootId, 'Inbox');
  });

  afterAll(() => web?.close());

  it('shares a folder with a password; a stranger needs it, browses, previews and downloads', async () => {
    const owner = await browser.newContext();
    const page = await owner.newPage();
    await signIn(page, baseUrl, PASSWORD);
    await itemAction(page, 'Holidays', 'Share…');

    const dialog = page.getByRole('dialog', { name: 'Share “Holidays”' });
    await dialog.getByLabel('Password (optional)').fill('open-sesame');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const address = await dialog.getByLabel('Link address').inputValue();
    expect(address).toMatch(new RegExp(`^${baseUrl}/s/[A-Za-z0-9_-]{16,}$`));
    await expect.poll(() => dialog.getByText('Password protected').count()).toBe(1);

    const stranger = await browser.newContext({ acceptDownloads: true });
    const visitor = await stranger.newPage();
    await visitor.goto(address);
    await visitor.getByRole('heading', { name: 'This link is protected' }).waitFor();
    // Nothing of what the link shares shows before the password.
    expect(await visitor.getByText('Holidays').count()).toBe(0);
    await visitor.getByLabel('Password').fill('not-it');
    await visitor.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => visitor.getByRole('alert').textContent()).toContain('Wrong password');
    expect(await visitor.getByRole('button', { name: 'Download beach.txt' }).count()).toBe(0);

    await visitor.getByLabel('Password').fill('open-sesame');
    await visitor.getByRole('button', { name: 'Open' }).click();
    await visitor.getByRole('link', { name: 'Download beach.txt' }).waitFor();
    expect(await visitor.getByRole('link', { name: 'Download hotel.txt' }).count()).toBe(1);

    // The simple viewer shows a text file's content.
    await visitor.getByRole('row', { name: /beach\.txt/ }).click();
    const viewer = visitor.getByRole('dialog', { name: 'beach.txt' });
    await expect.poll(() => viewer.getByText(BEACH).count()).toBe(1);
    await viewer.getByRole('button', { name: 'Close' }).first().click();
    await viewer.waitFor({ state: 'detached' });

    const [download] = await Promise.all([
      visitor.waitForEvent('download'),
      visitor.getByRole('link', { name: 'Download beach.txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('beach.txt');
    expect(await readFile((await download.path())!, 'utf8')).toBe(BEACH);

    // The owner sees the visit, then revokes the link: the stranger's next look says it is gone.
    const card = dialog.getByRole('listitem').first();
    await card.getByRole('button', { name: 'Visits' }).click();
    await expect.poll(() => card.getByText('Downloaded').count()).toBeGreaterThan(0);
    await card.getByRole('button', { name: 'Revoke' }).click();
    await card.getByRole('button', { name: 'Revoke link' }).click();
    await expect.poll(() => card.getByText('Revoked').count()).toBe(1);
    await visitor.reload();
    await visitor.getByRole('heading', { name: 'This link no longer works' }).waitFor();

    await stranger.close();
    await owner.close();
  });

  it('locks a folder from its menu; a new session must unlock it with the right password', async () => {
    const first = await browser.newContext();
    const page = await first.newPage();
    await signIn(page, baseUrl, PASSWORD);
    await itemAction(page, 'Secret', 'Lock with a password…');
    const lockDialog = page.getByRole('dialog', { name: 'Lock “Secret”' });
    await lockDialog.getByLabel('Password', { exact: true }).fill('hidden-folder-1');
    await lockDialog.getByLabel('Repeat the password').fill('hidden-folder-2');
    await lockDialog.getByRole('button', { name: 'Lock folder' }).click();
    await expect.poll(() => lockDialog.getByRole('alert').textContent()).toContain('differ');
    await lockDialog.getByLabel('Repeat the password').fill('hidden-folder-1');
    await lockDialog.getByRole('button', { name: 'Lock folder' }).click();
    await lockDialog.waitFor({ state: 'detached' });
    // Focus went back to where the dialog was opened from, not to the top of the page.
    const focused = await page.locator('body').evaluate((body) => body.ownerDocument.activeElement?.tagName);
    expect(focused).not.toBe('BODY');
    await first.close();

    const second = await browser.newContext();
    const fresh = await second.newPage();
    await signIn(fresh, baseUrl, PASSWORD);
    await fresh.goto(`${baseUrl}/folders/${secret.id}`);
    const unlock = fresh.getByRole('dialog', { name: '“Secret” is locked' });
    await unlock.getByLabel('Folder password').fill('wrong-password');
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => unlock.getByRole('alert').textContent()).toContain('Wrong password');
    // Escape closes the prompt and leaves the folder closed.
    await fresh.keyboard.press('Escape');
    await unlock.waitFor({ state: 'detached' });
    expect(await fresh.getByText('plan.txt').count()).toBe(0);

    await fresh.reload();
    await unlock.getByLabel('Folder password').fill('hidden-folder-1');
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await unlock.waitFor({ state: 'detached' });
    await fresh.getByText('plan.txt').first().waitFor();
    await second.close();
  });

  it('takes files from a stranger through an upload-only link, showing them nothing', async () => {
    const link = await api.json<Share>('POST', '/shares', { itemId: inbox.id, mode: 'upload' });
    const stranger = await browser.newContext();
    const page = await stranger.newPage();
    await page.goto(`${baseUrl}${link.url}`);
    await page.getByRole('heading', { name: 'Send files to “Inbox”' }).waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Choose at least one file');
    await page.getByLabel('Choose files').setInputFiles([
      { name: 'scan.txt', mimeType: 'text/plain', buffer: Buffer.from('scanned page') },
      { name: 'photo.txt', mimeType: 'text/plain', buffer: Buffer.from('a photo') },
    ]);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('2 files sent');
    await stranger.close();

    const listing = await api.json<Listing>('GET', `/folders/${inbox.id}/children`);
    expect(listing.items.map((i) => i.name).sort()).toEqual(['photo.txt', 'scan.txt']);
  });

  it('names an upload link’s folder only once its password is given', async () => {
    const link = await api.json<Share>('POST', '/shares', {
      itemId: inbox.id,
      mode: 'upload',
      password: 'drop-it',
    });
    const stranger = await browser.newContext();
    const page = await stranger.newPage();
    await page.goto(`${baseUrl}${link.url}`);
    await page.getByRole('heading', { name: 'This link is protected' }).waitFor();
    expect(await page.getByText('Inbox').count()).toBe(0);
    await page.getByLabel('Password').fill('drop-it');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: 'Send files to “Inbox”' }).waitFor();
    await stranger.close();
  });

  it('lets the admin see and revoke the links of a user who may no longer share', async () => {
    const user = await api.json<User>('POST', '/users', {
      username: 'sharer',
      password: 'sharer-password-1',
      permissions: ['upload', 'share'],
    });
    const sharer = await driveApi(baseUrl, 'sharer', 'sharer-password-1');
    const folder = await sharer.mkdir(sharer.rootId, 'Handouts');
    const link = await sharer.json<Share>('POST', '/shares', { itemId: folder.id });
    await api.json<User>('PATCH', `/users/${user.id}`, { permissions: ['upload'] });
    expect((await fetch(`${baseUrl}/api/v1/s/${link.token}`)).status).toBe(410);

    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, baseUrl, PASSWORD);
    await page.goto(`${baseUrl}/admin/users`);
    const card = page.getByRole('listitem').filter({ has: page.getByText('sharer', { exact: true }) });
    await card.getByRole('button', { name: 'Links' }).click();
    const links = card.getByRole('region', { name: 'Links made by sharer' });
    await links.getByText('Paused: sharing is off for this account').waitFor();
    expect(await links.getByText('Handouts').count()).toBe(1);
    await links.getByRole('button', { name: 'Revoke' }).click();
    await links.getByText('Revoked', { exact: true }).waitFor();
    const after = await api.json<{ shares: Share[] }>('GET', `/users/${user.id}/shares`);
    expect(after.shares[0]?.revokedAt).not.toBeNull();
    await context.close();
  });
});
