import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fromNewMenu, signIn, type DriveApi } from './drive.js';
import { dropFromDisk, localTree, sha256, storedTree } from './uploads-helpers.js';

const PASSWORD = 'uploads-test-password';
const MiB = 1024 * 1024;

/** The entries of the open folder's listing. */
const row = (page: Page, name: string) => page.getByRole('grid').getByRole('row', { name: new RegExp(name) });

async function totalProgress(page: Page): Promise<string | null> {
  return page.getByRole('progressbar', { name: 'Total upload progress' }).getAttribute('aria-valuenow');
}

/** How much of a progress bar is drawn filled, 0 to 1, as the page renders it now. */
async function barFill(page: Page, name: string): Promise<number> {
  return page
    .getByRole('progressbar', { name })
    .evaluate((bar) => new DOMMatrixReadOnly(getComputedStyle(bar.firstElementChild!).transform).a);
}

/** Uploads from the desktop (drag and drop, the pickers), conflicts, and what another tab sees. */
describe('uploads in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let baseUrl: string;
  let api: DriveApi;
  let disk: string;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    baseUrl = web.server.baseUrl;
    api = await driveApi(baseUrl, 'admin', PASSWORD);
    disk = await mkdtemp(path.join(os.tmpdir(), 'idrive-upload-e2e-'));
    // Small files go in batches, the bigger ones (over 1 MiB) through tus, also inside folders.
    await writeFile(path.join(disk, 'notes.txt'), 'first notes\n');
    await writeFile(path.join(disk, 'photo.bin'), randomBytes(2 * MiB + 17));
    await mkdir(path.join(disk, 'Album/2024'), { recursive: true });
    await mkdir(path.join(disk, 'Album/empty'));
    await writeFile(path.join(disk, 'Album/readme.md'), '# Album\n');
    await writeFile(path.join(disk, 'Album/2024/a.txt'), 'a'.repeat(1000));
    await writeFile(path.join(disk, 'Album/2024/b.bin'), randomBytes(MiB + 1));
  });

  afterAll(async () => {
    await web?.close();
    if (disk) await rm(disk, { recursive: true, force: true });
  });

  it('uploads dropped files and a nested folder, byte for byte, and another tab sees them live', async () => {
    const watcher = await (await browser.newContext()).newPage();
    await signIn(watcher, baseUrl, PASSWORD);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);

    await dropFromDisk(
      page,
      ['notes.txt', 'photo.bin', 'Album'].map((name) => path.join(disk, name)),
      () => page.getByText('Drop to upload to My Drive').isVisible(),
    );
    expect(await page.getByText('Drop to upload to My Drive').count()).toBe(0);

    const panel = page.getByRole('region', { name: 'Uploads complete' });
    await panel.waitFor();
    expect(await totalProgress(page)).toBe('100');
    await page.getByRole('progressbar', { name: 'Upload progress of b.bin' }).waitFor();
    for (const name of ['notes.txt', 'photo.bin', 'Album']) {
      await row(page, name).waitFor();
      await row(watcher, name).waitFor();
    }

    const stored = await (await storedTree(baseUrl, 'admin', PASSWORD)).tree(api.rootId);
    const local = await localTree(disk);
    expect(stored).toEqual({
      ...local,
      'Album/': 'folder',
      'Album/2024/': 'folder',
      'Album/empty/': 'folder',
    });

    // The folder's size in the listing counts what was uploaded into it.
    const album = (
      await api.json<{ items: { name: string; size: number }[] }>('GET', `/folders/root`)
    ).items.find((i) => i.name === 'Album');
    expect(album?.size).toBe(8 + 1000 + MiB + 1);
    await page.getByRole('button', { name: 'Clear finished' }).click();
    await panel.waitFor({ state: 'detached' });
    await watcher.context().close();
    await page.context().close();
  });

  it('uploads a folder picked with the New menu into the open folder', async () => {
    const target = await api.mkdir(api.rootId, 'Picked');
    const page = await (await browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);
    await row(page, 'Picked').dblclick();
    await page.getByRole('heading', { name: 'Picked', level: 1 }).waitFor();

    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      fromNewMenu(page, 'Upload folder'),
    ]);
    await chooser.setFiles(path.join(disk, 'Album'));
    await page.getByRole('region', { name: 'Uploads complete' }).waitFor();
    await row(page, 'Album').waitFor();

    const stored = await (await storedTree(baseUrl, 'admin', PASSWORD)).tree(target.id);
    const local = await localTree(path.join(disk, 'Album'), 'Album/');
    // A folder pick lists files only, so the empty folder is not part of it.
    expect(stored).toEqual({ ...local, 'Album/': 'folder', 'Album/2024/': 'folder' });
    await page.context().close();
  });

  it('uploads files dropped onto a folder’s row into that folder, naming it while they hover', async () => {
    const inbox = await api.mkdir(api.rootId, 'Inbox');
    const page = await (await browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);
    const box = await row(page, 'Inbox').boundingBox();
    if (!box) throw new Error('the Inbox row is not on screen');
    await dropFromDisk(
      page,
      [path.join(disk, 'notes.txt')],
      () => page.getByText('Drop to upload to Inbox').isVisible(),
      { x: box.x + box.width / 2, y: box.y + box.height / 2 },
    );
    await page.getByRole('region', { name: 'Uploads complete' }).waitFor();
    const { tree } = await storedTree(baseUrl, 'admin', PASSWORD);
    expect(await tree(inbox.id)).toEqual({ 'notes.txt': (await localTree(disk))['notes.txt'] });
    // Not also into the open folder.
    expect(Object.keys(await tree(api.rootId)).filter((name) => name.startsWith('notes'))).toEqual([
      'notes.txt',
    ]);
    await page.context().close();
  });

  it('draws a finished small upload full at once', async () => {
    const target = await api.mkdir(api.rootId, 'Small');
    const page = await (await browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);
    await row(page, 'Small').dblclick();
    await page.getByRole('heading', { name: 'Small', level: 1 }).waitFor();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      fromNewMenu(page, 'Upload files'),
    ]);
    await chooser.setFiles(path.join(disk, 'notes.txt'));
    await page.getByRole('region', { name: 'Uploads complete' }).waitFor();
    // Not wherever the bar's slide had got to when the upload ended (it read a sixth).
    expect(await barFill(page, 'Upload progress of notes.txt')).toBe(1);
    expect(await barFill(page, 'Total upload progress')).toBe(1);
    expect(Object.keys(await (await storedTree(baseUrl, 'admin', PASSWORD)).tree(target.id))).toEqual([
      'notes.txt',
    ]);
    await page.context().close();
  });

  it('asks about names that are taken: keep both for all, and Escape skips', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);
    const changed = path.join(disk, 'changed');
    await mkdir(changed);
    await writeFile(path.join(changed, 'notes.txt'), 'second notes\n');
    const photo = randomBytes(MiB + 5);
    await writeFile(path.join(changed, 'photo.bin'), photo);

    const pick = async (...files: string[]) => {
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        fromNewMenu(page, 'Upload files'),
      ]);
      await chooser.setFiles(files.map((file) => path.join(changed, file)));
    };

    await pick('notes.txt', 'photo.bin');
    const first = page.getByRole('dialog', { name: /already exists/ });
    await first.waitFor();
    await first.getByLabel(/Do this for the other conflicts/).check();
    await first.getByRole('button', { name: 'Keep both' }).click();
    await row(page, 'notes \\(1\\)\\.txt').waitFor();
    await row(page, 'photo \\(1\\)\\.bin').waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);

    const { get } = await storedTree(baseUrl, 'admin', PASSWORD);
    const listing = await api.json<{ items: { id: string; name: string }[] }>('GET', '/folders/root');
    const byName = new Map(listing.items.map((i) => [i.name, i.id]));
    const content = async (name: string) =>
      Buffer.from(await (await get(`/files/${byName.get(name)}/content`)).arrayBuffer());
    expect((await content('notes.txt')).toString()).toBe('first notes\n');
    expect((await content('notes (1).txt')).toString()).toBe('second notes\n');
    expect(sha256(await content('photo (1).bin'))).toBe(sha256(photo));

    // "For all" lasted for those uploads only; a new one asks again, and Escape skips it.
    await pick('notes.txt');
    const again = page.getByRole('dialog', { name: '“notes.txt” already exists' });
    await again.waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('Skipped').waitFor();
    const after = await api.json<{ items: { name: string }[] }>('GET', '/folders/root');
    expect(after.items.filter((i) => i.name.startsWith('notes')).map((i) => i.name)).toEqual([
      'notes (1).txt',
      'notes.txt',
    ]);
    await page.context().close();
  });
});
