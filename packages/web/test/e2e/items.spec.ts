import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, ItemDetails, Listing, TrashListing } from '@idrive/shared';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fromNewMenu, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'items-test-password';

/** Working on items with the keyboard, the mouse and the trash, as a person would. */
describe('items in the browser', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;
  let api: DriveApi;
  let archive: Item;
  let report: Item;
  let notes: Item;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    archive = await api.mkdir(api.rootId, 'Archive');
    report = await api.put(api.rootId, 'report.txt', 'quarterly figures');
    notes = await api.put(api.rootId, 'notes.txt', 'remember the milk');
  });

  afterAll(() => web?.close());

  it('renames with F2, moves by dragging onto a folder, trashes with Delete, restores from the trash', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });

    // F2 on the focused row opens the rename dialog with the name ready to edit.
    await grid.getByRole('row', { name: /report\.txt/ }).click();
    await page.keyboard.press('F2');
    const rename = page.getByRole('dialog', { name: 'Rename' });
    await rename.getByLabel('New name').fill('summary.txt');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await grid.getByRole('row', { name: /summary\.txt/ }).waitFor();
    expect(await grid.getByRole('row', { name: /report\.txt/ }).count()).toBe(0);
    expect((await api.json<ItemDetails>('GET', `/items/${report.id}`)).name).toBe('summary.txt');

    // Drag the file onto the folder's row.
    await grid.getByRole('row', { name: /summary\.txt/ }).dragTo(grid.getByRole('row', { name: /Archive/ }));
    await page.getByText('Moved 1 item to Archive').waitFor();
    expect(await grid.getByRole('row', { name: /summary\.txt/ }).count()).toBe(0);
    expect((await api.json<ItemDetails>('GET', `/items/${report.id}`)).parentId).toBe(archive.id);

    // Delete sends the selection to the trash.
    await grid.getByRole('row', { name: /notes\.txt/ }).click();
    await page.keyboard.press('Delete');
    await page.getByText('Moved 1 item to the trash').waitFor();
    expect(await grid.getByRole('row', { name: /notes\.txt/ }).count()).toBe(0);
    const trashed = await api.json<TrashListing>('GET', '/trash');
    expect(trashed.items.map((item) => item.id)).toEqual([notes.id]);

    // The trash view lists it with its date; restoring puts it back in the folder.
    await page.getByRole('link', { name: 'Trash' }).click();
    const table = page.getByRole('grid', { name: 'Items in the trash' });
    await table.getByRole('row', { name: /notes\.txt/ }).waitFor();
    expect(
      await table
        .getByRole('row', { name: /notes\.txt/ })
        .locator('time')
        .count(),
    ).toBe(1);
    await page.getByRole('checkbox', { name: 'Select notes.txt' }).check();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Restored 1 item').waitFor();
    await page.getByText('The trash is empty.').waitFor();
    expect((await api.json<TrashListing>('GET', '/trash')).total).toBe(0);

    await page.getByRole('link', { name: 'I Drive' }).click();
    await grid.getByRole('row', { name: /notes\.txt/ }).waitFor();
    await page.close();
  });

  it('offers the actions in a context menu and moves with the folder picker', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await grid.getByRole('row', { name: /notes\.txt/ }).click({ button: 'right' });
    const menu = page.getByRole('menu', { name: 'Actions' });
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(
      expect.arrayContaining([
        'Open',
        'Download',
        'Rename…',
        'Move to…',
        'Copy to…',
        'Details',
        'Move to trash',
      ]),
    );
    // Escape closes the menu; the keyboard reaches it again with Shift+F10.
    await page.keyboard.press('Escape');
    expect(await menu.count()).toBe(0);
    await page.keyboard.press('Shift+F10');
    await menu.getByRole('menuitem', { name: 'Move to…' }).click();

    const picker = page.getByRole('dialog', { name: 'Move 1 item' });
    await picker.getByRole('row', { name: /Archive/ }).click();
    await picker.getByRole('button', { name: 'Move here' }).click();
    await page.getByText('Moved 1 item to Archive').waitFor();
    expect((await api.json<ItemDetails>('GET', `/items/${notes.id}`)).parentId).toBe(archive.id);

    // Inside the folder, dragging a file onto a breadcrumb moves it up there.
    await grid.getByRole('row', { name: /Archive/ }).dblclick();
    const inside = page.getByRole('grid', { name: 'Contents of Archive' });
    const breadcrumbs = page.getByRole('navigation', { name: 'Breadcrumbs' });
    await inside
      .getByRole('row', { name: /notes\.txt/ })
      .dragTo(breadcrumbs.getByRole('link', { name: 'My Drive' }));
    await page.getByText('Moved 1 item to My Drive').waitFor();
    expect((await api.json<ItemDetails>('GET', `/items/${notes.id}`)).parentId).toBe(api.rootId);
    await page.close();
  });

  it('creates a folder, and a text file that opens in the preview', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });

    await fromNewMenu(page, 'New folder');
    const folderDialog = page.getByRole('dialog', { name: 'New folder' });
    await folderDialog.getByLabel('Folder name').fill('a/b');
    await folderDialog.getByRole('button', { name: 'Create' }).click();
    await folderDialog.getByText('A name cannot contain “/”.').waitFor();
    // The rule is the server's own (packages/shared), so Windows' reserved names are caught here too.
    await folderDialog.getByLabel('Folder name').fill('C:evil');
    await folderDialog.getByRole('button', { name: 'Create' }).click();
    await folderDialog.getByText('A name cannot contain any of < > : " \\ | ? *.').waitFor();
    await folderDialog.getByLabel('Folder name').fill('CON.txt');
    await folderDialog.getByRole('button', { name: 'Create' }).click();
    await folderDialog.getByText(/reserved by Windows/).waitFor();
    await folderDialog.getByLabel('Folder name').fill('Letters');
    await folderDialog.getByRole('button', { name: 'Create' }).click();
    await grid.getByRole('row', { name: /Letters/ }).waitFor();
    // The new folder is selected and sits with the folders, in name order.
    expect(await grid.getByRole('row', { name: /Letters/ }).getAttribute('aria-rowindex')).toBe('3');

    await fromNewMenu(page, 'New text file');
    const fileDialog = page.getByRole('dialog', { name: 'New text file' });
    await fileDialog.getByLabel('File name').fill('todo.txt');
    await fileDialog.getByRole('button', { name: 'Create and open' }).click();
    await page.waitForURL(/\?preview=/);
    const created = await api.json<Listing>('GET', '/folders/root');
    const todo = created.items.find((item) => item.name === 'todo.txt');
    expect(todo?.size).toBe(0);
    expect(new URL(page.url()).searchParams.get('preview')).toBe(todo?.id);
    await page.close();
  });
});
