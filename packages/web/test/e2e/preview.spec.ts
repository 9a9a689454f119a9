import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '@idrive/shared';
import { loginOver } from '../../../server/test/helpers/http-client.js';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';
import { manyEntriesZip, pdf, png, rotatedJpeg, webm } from './preview-fixtures.js';

const PASSWORD = 'preview-test-password';
const NOTES = 'first line\nsecond line\n';

/** Previews of every kind, opened by `?preview=` in the folder they are in, driven by role and label. */
describe('file previews in Chromium', { timeout: 90_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let context: BrowserContext;
  let api: DriveApi;
  let folder: Item;
  const files: Record<string, Item> = {};

  let token: string;

  /** The API over plain HTTP, as another device of the same user. */
  function raw(apiPath: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${server.baseUrl}/api/v1${apiPath}`, {
      ...init,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  async function content(id: string): Promise<string> {
    const res = await raw(`/files/${id}/content`);
    expect(res.status).toBe(200);
    return res.text();
  }

  /** Replaces a file's content from "another device". */
  async function putAgain(file: Item, text: string): Promise<void> {
    const res = await raw(
      `/folders/${file.parentId}/files/${encodeURIComponent(file.name)}?conflict=replace`,
      {
        method: 'PUT',
        body: text,
      },
    );
    expect(res.status).toBe(201);
  }

  async function open(name: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/folders/${folder.id}?preview=${files[name]!.id}`);
    await page.getByRole('dialog', { name }).waitFor();
    return page;
  }

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    server = web.server;
    api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    token = await loginOver(server.baseUrl, 'admin', PASSWORD);
    folder = await api.mkdir(api.rootId, 'Preview');

    // A zip made by the server itself from a scratch folder.
    const scratch = await api.mkdir(api.rootId, 'scratch');
    const docs = await api.mkdir(scratch.id, 'docs');
    await api.put(scratch.id, 'readme.txt', 'read me first');
    await api.put(docs.id, 'guide.md', '# Guide');
    const zip = await raw(`/folders/${scratch.id}/zip`);
    expect(zip.status).toBe(200);

    const fixtures: [string, string | Uint8Array][] = [
      ['alpha.png', await png(400, 200)],
      ['beta.jpg', await rotatedJpeg(300, 100)],
      ['bundle.zip', new Uint8Array(await zip.arrayBuffer())],
      ['clip.webm', await webm()],
      ['data.bin', new Uint8Array([0, 1, 2, 3, 254, 255])],
      ['doc.pdf', pdf('Hello PDF')],
      ['notes.txt', NOTES],
    ];
    for (const [name, bytes] of fixtures) files[name] = await api.put(folder.id, name, bytes);

    context = await web.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, server.baseUrl, PASSWORD);
    await page.close();
  });

  afterAll(() => web?.close());

  it('shows an image upright (EXIF orientation), zooms it, and steps to the next and previous file', async () => {
    const page = await open('alpha.png');
    const dialog = page.getByRole('dialog', { name: 'alpha.png' });
    const image = dialog.getByRole('img', { name: 'alpha.png' });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(400);
    const zoomLevel = dialog.getByLabel('Zoom level');
    expect(await zoomLevel.textContent()).toBe('100 %');

    const fitted = (await image.boundingBox())!;
    await dialog.getByRole('button', { name: 'Zoom in' }).click();
    expect(await zoomLevel.textContent()).toBe('150 %');
    const zoomed = (await image.boundingBox())!;
    expect(zoomed.width).toBeCloseTo(fitted.width * 1.5, 0);
    // The wheel zooms too, and Fit goes back.
    await image.hover();
    await page.mouse.wheel(0, -200);
    await expect.poll(async () => (await image.boundingBox())!.width).toBeGreaterThan(zoomed.width);
    await dialog.getByRole('button', { name: 'Fit' }).click();
    expect(await zoomLevel.textContent()).toBe('100 %');

    // Next: the JPEG stored 300×100 with orientation 6 is shown 100 wide and 300 tall.
    await dialog.getByRole('button', { name: 'Next file' }).click();
    const rotated = page.getByRole('dialog', { name: 'beta.jpg' }).getByRole('img', { name: 'beta.jpg' });
    await expect
      .poll(() => rotated.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]))
      .toEqual([100, 300]);
    const box = (await rotated.boundingBox())!;
    expect(box.height).toBeGreaterThan(box.width * 2.5);
    expect(page.url()).toContain(`preview=${files['beta.jpg']!.id}`);

    // ← goes back; Escape closes and takes the preview out of the address.
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('dialog', { name: 'alpha.png' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'alpha.png' }).waitFor({ state: 'detached' });
    expect(page.url()).not.toContain('preview=');
    await page.close();
  });

  it('seeks a video with Range requests', async () => {
    const ranges: string[] = [];
    const partial: number[] = [];
    const page = await context.newPage();
    page.on('response', async (response) => {
      if (!response.url().includes(`/files/${files['clip.webm']!.id}/content`)) return;
      const range = (await response.request().allHeaders()).range;
      if (range) ranges.push(range);
      partial.push(response.status());
    });
    await page.goto(`${server.baseUrl}/folders/${folder.id}?preview=${files['clip.webm']!.id}`);
    const video = page.getByRole('dialog', { name: 'clip.webm' }).getByLabel('clip.webm');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(1);
    expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeCloseTo(10, 0);

    const position = await video.evaluate(
      (v: HTMLVideoElement) =>
        new Promise<number>((resolve) => {
          v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
          v.currentTime = 7;
        }),
    );
    expect(position).toBeCloseTo(7, 1);
    // The server answered byte ranges (206), which is what makes the whole timeline seekable.
    expect(ranges.length).toBeGreaterThan(0);
    expect(partial).toContain(206);
    expect(await video.evaluate((v: HTMLVideoElement) => v.seekable.end(0))).toBeGreaterThanOrEqual(9.5);
    await page.close();
  });

  it('edits and saves a text file, warns before losing edits, and catches a conflicting change', async () => {
    const page = await open('notes.txt');
    const dialog = page.getByRole('dialog', { name: 'notes.txt' });
    const editor = dialog.getByRole('textbox', { name: 'Contents of notes.txt' });
    await expect.poll(() => editor.textContent()).toContain('second line');

    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('third line');
    await dialog.getByText('Unsaved changes').waitFor();
    await page.keyboard.press('Control+s');
    await dialog.getByText('All changes saved').waitFor();
    expect(await content(files['notes.txt']!.id)).toBe(`${NOTES}third line`);

    // Closing with unsaved edits asks first; "Keep editing" keeps the preview and the edits.
    await page.keyboard.type('!');
    await dialog.getByRole('button', { name: 'Close preview' }).click();
    const unsaved = page.getByRole('dialog', { name: 'Unsaved changes' });
    await unsaved.getByRole('button', { name: 'Keep editing' }).click();
    await unsaved.waitFor({ state: 'detached' });
    expect(await editor.textContent()).toContain('third line!');
    expect(page.url()).toContain('preview=');

    // Escape asks too; "Discard changes" lets the edits go unsaved.
    await editor.click();
    await page.keyboard.press('Escape');
    await unsaved.getByRole('button', { name: 'Discard changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(page.url()).not.toContain('preview=');
    expect(await content(files['notes.txt']!.id)).toBe(`${NOTES}third line`);

    // Someone else changes the file while it is open: saving asks before overwriting their version.
    await page.goto(`${server.baseUrl}/folders/${folder.id}?preview=${files['notes.txt']!.id}`);
    await expect.poll(() => editor.textContent()).toContain('third line');
    await putAgain(files['notes.txt']!, 'changed elsewhere');
    await editor.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('mine ');
    await page.keyboard.press('Control+s');
    const conflict = page.getByRole('dialog', { name: 'The file changed meanwhile' });
    await conflict.getByRole('button', { name: 'Overwrite' }).click();
    await dialog.getByText('All changes saved').waitFor();
    expect(await content(files['notes.txt']!.id)).toBe(`mine ${NOTES}third line`);
    await page.close();
  });

  it('lists a zip archive and browses into its folders', async () => {
    const page = await open('bundle.zip');
    const dialog = page.getByRole('dialog', { name: 'bundle.zip' });
    const table = dialog.getByRole('table', { name: 'Contents of bundle.zip' });
    await table.getByRole('button', { name: 'docs' }).waitFor();
    await dialog.getByText(/\d+ entries/).waitFor();
    expect(await table.getByRole('cell', { name: 'readme.txt', exact: true }).count()).toBe(1);

    await table.getByRole('button', { name: 'docs' }).click();
    await table.getByRole('cell', { name: 'guide.md', exact: true }).waitFor();
    expect(await table.getByRole('cell', { name: 'readme.txt', exact: true }).count()).toBe(0);
    const href = await table.getByRole('link', { name: 'Download guide.md' }).getAttribute('href');
    const entry = await page.request.get(`${server.baseUrl}${href}`);
    expect(await entry.text()).toBe('# Guide');

    // The archive's name in the path leads back to the top.
    await dialog
      .getByRole('navigation', { name: 'Location in the archive' })
      .getByRole('button', { name: 'bundle.zip' })
      .click();
    await table.getByRole('cell', { name: 'readme.txt', exact: true }).waitFor();
    await page.close();
  });

  it('finding 9: reads a zip of more entries than one page a page at a time, on "Show more"', async () => {
    // A folder of its own, so the other previews' next and previous files stay as they are.
    const wide = await api.mkdir(api.rootId, 'Wide');
    const zip = await api.put(wide.id, 'wide.zip', await manyEntriesZip(1_500));
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/folders/${wide.id}?preview=${zip.id}`);
    const dialog = page.getByRole('dialog', { name: 'wide.zip' });
    const table = dialog.getByRole('table', { name: 'Contents of wide.zip' });
    await dialog.getByText('1500 entries').waitFor();
    await dialog.getByText('(the first 1000 are listed)').waitFor();
    await table.getByRole('cell', { name: 'file-0999.txt', exact: true }).waitFor();
    expect(await table.getByRole('cell', { name: 'file-1000.txt', exact: true }).count()).toBe(0);

    await dialog.getByRole('button', { name: 'Show more' }).click();
    await table.getByRole('cell', { name: 'file-1499.txt', exact: true }).waitFor();
    expect(await dialog.getByRole('button', { name: 'Show more' }).count()).toBe(0);
    expect(await table.getByRole('cell', { name: /^file-\d{4}\.txt$/ }).count()).toBe(1_500);
    await page.close();
  });

  it('shows a PDF in the browser viewer and a download for a type it cannot preview', async () => {
    const page = await open('doc.pdf');
    await page.getByRole('dialog', { name: 'doc.pdf' }).locator('iframe[title="doc.pdf"]').waitFor();
    // Chromium's PDF viewer loads inside the frame (the content's CSP does not block it).
    await expect
      .poll(() => page.frames().some((frame) => frame.url().startsWith('chrome-extension://')))
      .toBe(true);

    await page.getByRole('dialog', { name: 'doc.pdf' }).getByRole('button', { name: 'Next file' }).click();
    const dialog = page.getByRole('dialog', { name: 'notes.txt' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Previous file' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('dialog', { name: 'doc.pdf' })
      .getByRole('button', { name: 'Previous file' })
      .click();

    const fallback = page.getByRole('dialog', { name: 'data.bin' });
    await fallback.getByText('There is no preview for this type of file').waitFor();
    // Tab and Shift+Tab go round the dialog's controls and never reach the page behind it.
    for (const key of [
      'Tab',
      'Tab',
      'Tab',
      'Tab',
      'Tab',
      'Tab',
      'Tab',
      'Shift+Tab',
      'Shift+Tab',
      'Shift+Tab',
    ]) {
      await page.keyboard.press(key);
      expect(
        await page.evaluate(() => document.activeElement?.closest('dialog')?.getAttribute('aria-labelledby')),
      ).toBeTruthy();
    }
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      fallback.getByRole('button', { name: 'Download data.bin' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('data.bin');
    await page.close();
  });
});
