import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fillFolder, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'item-list-password';
const FILES = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt'];

/** The names of the selected entries of a list, top to bottom. */
function selectedNames(list: Locator): Promise<string[]> {
  return list
    .locator('[aria-selected="true"]')
    .evaluateAll((entries) => entries.map((entry) => entry.querySelector('.item-name')?.textContent ?? ''));
}

/** The name of the entry that has the keyboard focus. */
function focusedName(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.querySelector('.item-name')?.textContent ?? null);
}

/** Selecting with the keyboard and the mouse in the one item list, in a folder, in tiles and in the trash. */
describe('selection in the item list', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;
  let api: DriveApi;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    // Written into the database while the server is idle, before the uploads below keep it busy.
    const many = await api.mkdir(api.rootId, 'Many');
    await fillFolder(web.dataDir, api.userId, many.id, 3_000);
    const docs = await api.mkdir(api.rootId, 'Docs');
    for (const name of FILES) await api.put(api.rootId, name, name);
    await api.put(docs.id, 'inside.txt', 'inside');
  });

  afterAll(() => web?.close());

  it('moves and extends the selection with the keyboard, and ranges and toggles with the mouse', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    const row = (name: string) => grid.getByRole('row', { name: new RegExp(name.replace('.', '\\.')) });

    await row('a.txt').click();
    expect(await selectedNames(grid)).toEqual(['a.txt']);
    // Shift+arrows extend from where the selection started.
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await expect.poll(() => selectedNames(grid)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    expect(await focusedName(page)).toBe('c.txt');
    await page.keyboard.press('Shift+ArrowUp');
    await expect.poll(() => selectedNames(grid)).toEqual(['a.txt', 'b.txt']);

    // Ctrl moves the focus alone; Ctrl+Space adds the focused entry.
    await page.keyboard.press('Control+ArrowDown');
    await page.keyboard.press('Control+ArrowDown');
    await expect.poll(() => focusedName(page)).toBe('d.txt');
    expect(await selectedNames(grid)).toEqual(['a.txt', 'b.txt']);
    await page.keyboard.press('Control+Space');
    await expect.poll(() => selectedNames(grid)).toEqual(['a.txt', 'b.txt', 'd.txt']);

    // A plain arrow selects just where it lands; Escape clears.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => selectedNames(grid)).toEqual(['e.txt']);
    await page.keyboard.press('Escape');
    await expect.poll(() => selectedNames(grid)).toEqual([]);

    // Home and End go to the ends, folders first; Shift+Home takes everything on the way.
    await page.keyboard.press('Home');
    await expect.poll(() => selectedNames(grid)).toEqual(['Docs']);
    await page.keyboard.press('End');
    await expect.poll(() => selectedNames(grid)).toEqual(['f.txt']);
    await page.keyboard.press('Shift+PageUp');
    await expect.poll(() => selectedNames(grid)).toEqual(['Docs', 'Many', ...FILES]);

    // The mouse: a click, Shift+click for a range from it, Ctrl+click to take one out.
    await row('b.txt').click();
    await row('e.txt').click({ modifiers: ['Shift'] });
    await expect.poll(() => selectedNames(grid)).toEqual(['b.txt', 'c.txt', 'd.txt', 'e.txt']);
    await row('c.txt').click({ modifiers: ['Control'] });
    await expect.poll(() => selectedNames(grid)).toEqual(['b.txt', 'd.txt', 'e.txt']);
    await page.getByRole('toolbar', { name: 'Selected items' }).getByText('3 selected').waitFor();

    // Ctrl+A takes everything, and Enter opens the focused folder.
    await page.keyboard.press('Control+a');
    await expect.poll(() => selectedNames(grid)).toEqual(['Docs', 'Many', ...FILES]);
    await row('Docs').click();
    await page.keyboard.press('Enter');
    await page
      .getByRole('grid', { name: 'Contents of Docs' })
      .getByRole('row', { name: /inside\.txt/ })
      .waitFor();
    await page.close();
  });

  it('ranges over entries whose pages had not come yet, and moves between tiles in two directions', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    await page.getByRole('row', { name: /Many/ }).dblclick();
    const grid = page.getByRole('grid', { name: 'Contents of Many' });
    await grid.getByRole('row', { name: /file-000000\.txt/ }).click();
    // Only the first page is loaded: Shift+End needs the rest before it can select to the end.
    await page.keyboard.press('Shift+End');
    await page.getByRole('toolbar', { name: 'Selected items' }).getByText('3,000 selected').waitFor();
    await grid.getByRole('row', { name: /file-002999\.txt/ }).waitFor();
    expect(await focusedName(page)).toBe('file-002999.txt');
    await page.keyboard.press('Home');
    await grid.getByRole('row', { name: /file-000000\.txt/, selected: true }).waitFor();
    await page.getByRole('button', { name: 'Clear the selection' }).click();

    await page.getByRole('button', { name: 'Grid' }).click();
    const tile = (name: string) => grid.getByRole('gridcell', { name: new RegExp(name) });
    await tile('file-000000').click();
    const perRow = await grid
      .getByRole('row')
      .first()
      .evaluate((row) => row.querySelectorAll('[role="gridcell"]').length);
    expect(perRow).toBeGreaterThan(1);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => focusedName(page)).toBe('file-000001.txt');
    await page.keyboard.press('Shift+ArrowDown');
    const below = `file-${String(1 + perRow).padStart(6, '0')}.txt`;
    await expect.poll(() => focusedName(page)).toBe(below);
    expect(await selectedNames(grid)).toHaveLength(perRow + 1);
    await page.getByRole('button', { name: 'Clear the selection' }).click();
    await page.getByRole('button', { name: 'List' }).click();
    await page.close();
  });

  it('selects in the trash with the keyboard and restores what was selected', async () => {
    const listing = await api.json<{ items: { id: string; name: string }[] }>('GET', '/folders/root');
    const ids = listing.items.filter((item) => ['a.txt', 'b.txt', 'c.txt'].includes(item.name));
    await api.json('POST', '/items/trash', { ids: ids.map((item) => item.id) });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    await page.getByRole('link', { name: 'Trash' }).click();
    const grid = page.getByRole('grid', { name: 'Items in the trash' });
    await grid.getByRole('row', { name: /c\.txt/ }).waitFor();
    const names = await grid
      .getByRole('row')
      .evaluateAll((rows) => rows.flatMap((row) => row.querySelector('.item-name')?.textContent ?? []));
    expect([...names].sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);

    await grid.getByRole('row', { name: new RegExp(names[0]!) }).click();
    await page.keyboard.press('Shift+ArrowDown');
    await expect.poll(() => selectedNames(grid)).toEqual(names.slice(0, 2));
    expect(await grid.getByRole('checkbox', { checked: true }).count()).toBe(2);
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Restored 2 items').waitFor();
    await expect.poll(async () => (await selectedNames(grid)).length).toBe(0);
    await grid.getByRole('row', { name: new RegExp(names[2]!) }).waitFor();
    expect(await grid.getByRole('row', { name: new RegExp(names[0]!) }).count()).toBe(0);

    // Delete on the focused entry asks before deleting it forever.
    await grid.getByRole('row', { name: new RegExp(names[2]!) }).click();
    await page.keyboard.press('Delete');
    const confirm = page.getByRole('dialog', { name: 'Delete forever?' });
    await confirm.getByText('1 item will be deleted forever.', { exact: false }).waitFor();
    await confirm.getByRole('button', { name: 'Delete forever' }).click();
    await page.getByText('The trash is empty.').waitFor();
    expect((await api.json<{ total: number }>('GET', '/trash')).total).toBe(0);
    await page.close();
  });
});
