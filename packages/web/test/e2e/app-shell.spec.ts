import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { loginOver } from '../../../server/test/helpers/http-client.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fromAccountMenu, fromNewMenu, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'app-shell-test-password';
const DESKTOP = { width: 1280, height: 800 };

/** The sidebar's views: the link's name, the page's heading, its address. */
const VIEWS = [
  ['Shared with me', 'Shared with me', '/shared-with-me'],
  ['Recent', 'Recent', '/recent'],
  ['Starred', 'Starred', '/starred'],
  ['Shared links', 'Shared links', '/shares'],
  ['Trash', 'Trash', '/trash'],
  ['My Drive', 'My Drive', '/'],
] as const;

async function rootNames(api: DriveApi): Promise<string[]> {
  return (await api.json<Listing>('GET', '/folders/root')).items.map((item) => item.name);
}

/** The names of the links the sidebar marks as the page on screen. */
function currentViews(page: Page): Promise<string[]> {
  return page
    .getByRole('navigation', { name: 'Main' })
    .locator('a[aria-current="page"]')
    .allTextContents()
    .then((names) => names.map((name) => name.trim()));
}

/** Whether focus is inside the sidebar (the phone's drawer). */
function focusInSidebar(page: Page): Promise<boolean> {
  return page.evaluate(
    () => document.getElementById('app-sidebar')?.contains(document.activeElement) ?? false,
  );
}

/** The frame around every page: sidebar, New, the details panel, the shortcuts and the phone's drawer. */
describe('the app shell in Chromium', { timeout: 150_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let baseUrl: string;
  let api: DriveApi;
  let notes: Item;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ browser } = web);
    baseUrl = web.server.baseUrl;
    api = await driveApi(baseUrl, 'admin', PASSWORD);
    await api.mkdir(api.rootId, 'Projects');
    notes = await api.put(api.rootId, 'notes.txt', 'the first draft');
    // A second version, and a link to it.
    const token = await loginOver(baseUrl, 'admin', PASSWORD);
    const saved = await fetch(`${baseUrl}/api/v1/files/${notes.id}/content`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: 'the second, longer draft',
    });
    expect(saved.status).toBe(200);
    await api.json('POST', '/shares', { itemId: notes.id, mode: 'read' });
  });

  afterAll(() => web?.close());

  it('reaches every view from the sidebar, marks the one on screen, and draws each kind its icon', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page, baseUrl, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await currentViews(page)).toEqual(['My Drive']);

    for (const [link, heading, path] of VIEWS) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading, level: 1, exact: true }).waitFor();
      expect(new URL(page.url()).pathname).toBe(path);
      expect(await currentViews(page)).toEqual([link]);
    }

    // The keyboard: Tab reaches the links, Enter follows one.
    await nav.getByRole('link', { name: 'Recent', exact: true }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Starred');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Starred', level: 1 }).waitFor();

    // A subfolder is still My Drive; Settings and the admin pages are reached too.
    await nav.getByRole('link', { name: 'My Drive', exact: true }).click();
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await grid.getByRole('row', { name: /Projects/ }).dblclick();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    expect(await currentViews(page)).toEqual(['My Drive']);
    await nav.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    expect(await currentViews(page)).toEqual(['Users']);
    await fromAccountMenu(page, 'Settings');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(await currentViews(page)).toEqual([]);

    await nav.getByRole('link', { name: 'My Drive', exact: true }).click();
    const icon = (name: RegExp) =>
      grid.getByRole('row', { name }).locator('svg[data-icon]').getAttribute('data-icon');
    expect(await icon(/Projects/)).toBe('folder');
    expect(await icon(/notes\.txt/)).toBe('text');

    // Narrowed to icons, the links keep their names.
    const toggle = page.getByRole('button', { name: 'Main menu' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await expect
      .poll(async () => (await page.locator('#app-sidebar').boundingBox())!.width)
      .toBeLessThan(100);
    await nav.getByRole('link', { name: 'Trash', exact: true }).click();
    await page.getByRole('heading', { name: 'Trash', level: 1 }).waitFor();
    await page.close();
  });

  it('creates a folder from the New menu, here and from another page (in My Drive), and uploads from there', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page, baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });

    // The menu works from the keyboard too.
    const newButton = page.getByRole('button', { name: 'New', exact: true });
    await newButton.focus();
    await page.keyboard.press('ArrowDown');
    const menu = page.getByRole('menu', { name: 'New' });
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual([
      'New folder',
      'New text file',
      'Upload files',
      'Upload folder',
    ]);
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await newButton.evaluate((el) => el === document.activeElement)).toBe(true);

    await fromNewMenu(page, 'New folder');
    const dialog = page.getByRole('dialog', { name: 'New folder' });
    await dialog.getByLabel('Folder name').fill('Plans');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await grid.getByRole('row', { name: /Plans/ }).waitFor();
    expect(await rootNames(api)).toContain('Plans');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Starred' }).click();
    await page.getByRole('heading', { name: 'Starred', level: 1 }).waitFor();
    await fromNewMenu(page, 'New folder');
    await dialog.getByLabel('Folder name').fill('From elsewhere');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await grid.getByRole('row', { name: /From elsewhere/ }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await rootNames(api)).toContain('From elsewhere');

    // Files picked on another page go into My Drive too, which opens.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recent' }).click();
    await page.getByRole('heading', { name: 'Recent', level: 1 }).waitFor();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      fromNewMenu(page, 'Upload files'),
    ]);
    await chooser.setFiles({
      name: 'picked.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('picked elsewhere'),
    });
    await grid.getByRole('row', { name: /picked\.txt/ }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await rootNames(api)).toContain('picked.txt');
    await page.close();
  });

  it("shows an item's info, tags, versions, links and dates in the details panel", async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page, baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    const row = grid.getByRole('row', { name: /notes\.txt/ });

    await row.click({ button: 'right' });
    await page.getByRole('menu', { name: 'Actions' }).getByRole('menuitem', { name: 'Details' }).click();
    const panel = page.getByRole('complementary', { name: 'Details: notes.txt' });
    const info = panel.getByRole('region', { name: 'Info' });
    await info.getByText(/^Text or code \(text\/plain/).waitFor();
    await info.getByText('24 B (24 bytes)').waitFor();
    expect(await info.getByRole('link', { name: 'My Drive' }).getAttribute('href')).toBe('/');
    await info.getByText('You', { exact: true }).waitFor();
    await info.getByText(/^local: 1 chunk/).waitFor();

    const versions = panel.getByRole('region', { name: 'Versions' }).getByRole('listitem');
    await expect.poll(() => versions.count()).toBe(2);
    expect(await versions.first().getAttribute('aria-label')).toMatch(/^Current version, .*24 B, by admin$/);
    expect(await versions.last().getAttribute('aria-label')).toMatch(/^Version of .*15 B, by admin$/);

    await panel
      .getByRole('region', { name: 'Who has access' })
      .getByText('Anyone with a link: View and download')
      .waitFor();
    await panel.getByRole('region', { name: 'Tags' }).getByText('No tags.').waitFor();
    const activity = panel.getByRole('region', { name: 'Activity' }).getByRole('listitem');
    expect((await activity.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^Last changed /),
      expect.stringMatching(/^Created /),
    ]);

    // Escape inside it closes it, and focus goes back to the row.
    await panel.getByRole('button', { name: 'Close the details' }).focus();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await row.evaluate((el) => el === document.activeElement)).toBe(true);

    // `i` opens it on the selection, it follows the selection, and `i` closes it again.
    await grid.getByRole('row', { name: /Projects/ }).click();
    await page.keyboard.press('i');
    await page.getByRole('complementary', { name: 'Details: Projects' }).waitFor();
    await row.click();
    await panel.waitFor();
    await page.keyboard.press('i');
    await panel.waitFor({ state: 'detached' });

    // The toolbar's button, with nothing selected: the folder itself.
    await page.keyboard.press('Escape');
    const button = page.getByRole('button', { name: 'Details', exact: true });
    await button.click();
    const folder = page.getByRole('complementary', { name: 'Details: My Drive' });
    await folder.getByRole('region', { name: 'Info' }).getByText('Folder', { exact: true }).waitFor();
    expect(await button.getAttribute('aria-pressed')).toBe('true');
    await button.click();
    await folder.waitFor({ state: 'detached' });
    await page.close();
  });

  it('opens the keyboard shortcuts with ? and from the account menu, not while typing', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page, baseUrl, PASSWORD);
    await page.getByRole('grid', { name: 'Contents of My Drive' }).waitFor();
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });

    await page.keyboard.press('?');
    await dialog.waitFor();
    for (const group of ['Anywhere', 'Files and folders', 'Preview']) {
      await dialog.getByRole('heading', { name: group }).waitFor();
    }
    const details = dialog.locator('.shortcut').filter({ hasText: 'Show or hide the details' });
    expect(await details.locator('kbd').allTextContents()).toEqual(['i']);
    const menu = dialog.locator('.shortcut').filter({ hasText: 'Open the actions menu' });
    expect(await menu.locator('kbd').allTextContents()).toEqual(['Shift', 'F10', 'Menu key']);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('searchbox').fill('what?');
    expect(await dialog.count()).toBe(0);
    expect(await page.getByRole('searchbox').inputValue()).toBe('what?');

    await fromAccountMenu(page, 'Keyboard shortcuts');
    await dialog.waitFor();
    await page.close();
  });

  it('on a phone, opens the sidebar as a drawer that holds focus, navigates and closes', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await signIn(page, baseUrl, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });
    const toggle = page.getByRole('button', { name: 'Main menu' });
    await page.getByRole('grid', { name: 'Contents of My Drive' }).waitFor();
    expect(await nav.isVisible()).toBe(false);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');

    await toggle.tap();
    await nav.waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => focusInSidebar(page)).toBe(true);
    // Tab and Shift+Tab go round inside it.
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      expect(await focusInSidebar(page)).toBe(true);
    }
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await focusInSidebar(page)).toBe(true);
    }
    // Nothing but the drawer fits on the screen beside it.
    const drawer = (await page.locator('#app-sidebar').boundingBox())!;
    expect(drawer.x).toBe(0);
    expect(drawer.width).toBeLessThan(375);

    await nav.getByRole('link', { name: 'Starred', exact: true }).tap();
    await page.getByRole('heading', { name: 'Starred', level: 1 }).waitFor();
    await nav.waitFor({ state: 'hidden' });

    // Opened again, it marks where the user is; a tap beside it closes it.
    await toggle.tap();
    await nav.waitFor();
    expect(await currentViews(page)).toEqual(['Starred']);
    await page.touchscreen.tap(360, 400);
    await nav.waitFor({ state: 'hidden' });

    // So does Escape, and focus goes back to the menu button.
    await toggle.tap();
    await nav.waitFor();
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'hidden' });
    expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await context.close();
  });
});
