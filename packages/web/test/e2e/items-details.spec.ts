import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo, Item, ItemDetails, Listing, TrashListing } from '@idrive/shared';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';
import { png } from './preview-fixtures.js';

const PASSWORD = 'details-test-password';
const BIG = 'x'.repeat(5000);

/** The names of the folder's rows, top to bottom (each row's first cell). */
async function rowNames(page: Page): Promise<string[]> {
  const rows = page.getByRole('grid', { name: 'Contents of My Drive' }).getByRole('row');
  return rows.evaluateAll((all) =>
    all.map((row) => row.querySelector('[role="gridcell"]')?.textContent?.trim() ?? ''),
  );
}

async function itemAction(page: Page, name: string, action: string): Promise<void> {
  await page.getByRole('button', { name: `More actions for ${name}` }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

/** The rest of the item actions: sort, copy, info, tags, grid thumbnails, undo and emptying the trash. */
describe('item details in the browser', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let api: DriveApi;
  let folder: Item;
  let small: Item;
  let big: Item;
  let picture: Item;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    api = await driveApi(web.server.baseUrl, 'admin', PASSWORD);
    folder = await api.mkdir(api.rootId, 'Folder');
    small = await api.put(api.rootId, 'small.txt', 'tiny');
    big = await api.put(api.rootId, 'big.txt', BIG);
    picture = await api.put(api.rootId, 'picture.png', await png(300, 200));
    // The thumbnail is made in the background; the grid shows it once it exists.
    const deadline = Date.now() + 30_000;
    while (!(await api.json<FileInfo>('GET', `/files/${picture.id}/info`)).media?.thumbnail) {
      if (Date.now() > deadline) throw new Error('No thumbnail for picture.png after 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  afterAll(() => web?.close());

  it('sorts, copies, shows info and tags, and shows thumbnails in the grid', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, web.server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await grid.getByRole('row', { name: /big\.txt/ }).waitFor();

    await page.getByLabel('Sort by').selectOption({ label: 'Size' });
    await expect
      .poll(async () => (await rowNames(page)).filter((n) => n.endsWith('.txt')))
      .toEqual(['small.txt', 'big.txt']);
    await page.getByRole('button', { name: 'Ascending order (change to descending)' }).click();
    await expect
      .poll(async () => (await rowNames(page)).filter((n) => n.endsWith('.txt')))
      .toEqual(['big.txt', 'small.txt']);

    await itemAction(page, 'small.txt', 'Copy to…');
    const picker = page.getByRole('dialog', { name: 'Copy 1 item' });
    await picker.getByRole('row', { name: /Folder/ }).click();
    await picker.getByRole('button', { name: 'Copy here' }).click();
    await page.getByText('Copied 1 item to Folder').waitFor();
    const inFolder = await api.json<Listing>('GET', `/folders/${folder.id}/children`);
    expect(inFolder.items.map((i) => i.name)).toEqual(['small.txt']);

    await itemAction(page, 'big.txt', 'Tags…');
    const tags = page.getByRole('dialog', { name: 'Tags of 1 item' });
    await tags.getByLabel('New tag').fill('work');
    await tags.getByRole('button', { name: 'Add' }).click();
    await tags.getByRole('checkbox', { name: 'work' }).check();
    await tags.getByRole('button', { name: 'Save' }).click();
    await tags.waitFor({ state: 'detached' });
    const tagged = await api.json<ItemDetails>('GET', `/items/${big.id}`);
    expect(tagged.tags?.map((t) => t.name)).toEqual(['work']);

    await itemAction(page, 'big.txt', 'Details');
    const info = page.getByRole('complementary', { name: 'Details: big.txt' });
    await info.getByText(createHash('sha256').update(BIG).digest('hex')).waitFor();
    await info.getByText('5000 bytes', { exact: false }).waitFor();
    await info.getByRole('region', { name: 'Tags' }).getByText('work').waitFor();
    await info.getByRole('button', { name: 'Close the details' }).click();
    await info.waitFor({ state: 'detached' });

    // The menu selected big.txt, and the selection bar stands where the view switch was.
    await page.getByRole('button', { name: 'Clear the selection' }).click();
    await page.getByRole('button', { name: 'Grid' }).click();
    const tile = grid.getByRole('gridcell', { name: /picture\.png/ });
    await expect
      .poll(() => tile.evaluate((cell) => cell.querySelector('img')?.naturalWidth ?? 0))
      .toBeGreaterThan(0);
    await page.close();
  });

  it('undoes a trash from its notice and empties the trash', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, web.server.baseUrl, PASSWORD);
    await page.getByRole('button', { name: 'List' }).click();
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await grid.getByRole('row', { name: /small\.txt/ }).click();
    await page.keyboard.press('Delete');
    await page.getByText('Moved 1 item to the trash').waitFor();
    await page.getByRole('button', { name: 'Undo' }).click();
    await grid.getByRole('row', { name: /small\.txt/ }).waitFor();
    expect((await api.json<ItemDetails>('GET', `/items/${small.id}`)).trashedAt).toBeNull();

    await api.json('POST', '/items/trash', { ids: [big.id] });
    await page.getByRole('link', { name: 'Trash' }).click();
    await page.getByRole('button', { name: 'Empty trash' }).click();
    const confirm = page.getByRole('dialog', { name: 'Empty the trash?' });
    await confirm.getByRole('button', { name: 'Empty trash' }).click();
    await page.getByText('The trash is empty.').waitFor();
    expect((await api.json<TrashListing>('GET', '/trash')).items).toEqual([]);
    await page.close();
  });
});
