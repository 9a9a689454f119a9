import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileVersionList, Item } from '@idrive/shared';
import { loginOver } from '../../../server/test/helpers/http-client.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'versions-test-password';

/** The version history: in its dialog from a file's menu and in the details panel, restoring and deleting. */
describe('version history in Chromium', { timeout: 90_000 }, () => {
  let web: WebServer;
  let api: DriveApi;
  let token: string;
  let file: Item;

  /** The API over plain HTTP, as another device of the same user. */
  function raw(apiPath: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${web.server.baseUrl}/api/v1${apiPath}`, {
      ...init,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  async function content(): Promise<string> {
    return (await raw(`/files/${file.id}/content`)).text();
  }

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    api = await driveApi(web.server.baseUrl, 'admin', PASSWORD);
    token = await loginOver(web.server.baseUrl, 'admin', PASSWORD);
    file = await api.put(api.rootId, 'notes.txt', 'the first draft');
    for (const text of ['a second draft', 'the final text, longer than the others']) {
      const res = await raw(`/files/${file.id}/content`, { method: 'PUT', body: text });
      expect(res.status).toBe(200);
    }
  });

  afterAll(() => web?.close());

  it('restores an earlier version from the history, and the file holds its content again', async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, web.server.baseUrl, PASSWORD);
    await page.getByRole('button', { name: 'More actions for notes.txt' }).click();
    await page.getByRole('menuitem', { name: 'Version history' }).click();

    const dialog = page.getByRole('dialog', { name: 'Version history: notes.txt' });
    const list = dialog.getByRole('list', { name: 'Versions, newest first' });
    const rows = list.getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(3);
    await rows.first().getByText('Current', { exact: true }).waitFor();
    await rows
      .first()
      .getByText(/38 B · admin/)
      .waitFor();
    // The exact time is on hover; the row shows how long ago.
    const time = rows.last().locator('time');
    expect(await time.textContent()).toMatch(/now|minute/);
    expect(await time.getAttribute('title')).toMatch(/\d{4}/);

    await rows
      .last()
      .getByRole('button', { name: /^Restore the version of / })
      .click();
    await expect.poll(() => rows.count()).toBe(4);
    await rows
      .first()
      .getByText(/15 B · admin/)
      .waitFor();
    expect(await rows.first().getAttribute('aria-label')).toMatch(/^Current version/);
    expect(await content()).toBe('the first draft');
    // The listing behind the dialog shows the restored size.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await grid
      .getByRole('row', { name: /notes\.txt/ })
      .getByText('15 B')
      .waitFor();
    await page.close();
  });

  it('lists the history in the details panel too, and deletes a version there after asking', async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, web.server.baseUrl, PASSWORD);
    await page.getByRole('button', { name: 'More actions for notes.txt' }).click();
    await page.getByRole('menuitem', { name: 'Details' }).click();

    const panel = page.getByRole('complementary', { name: 'Details: notes.txt' });
    const rows = panel.getByRole('region', { name: 'Versions' }).getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(4);
    await rows
      .nth(1)
      .getByRole('button', { name: /^Delete the version of / })
      .click();
    const confirm = page.getByRole('dialog', { name: 'Delete this version?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => rows.count()).toBe(3);
    const left = (await (await raw(`/files/${file.id}/versions`)).json()) as FileVersionList;
    expect(left.versions.map((v) => v.size)).toEqual([15, 14, 15]);
    await page.close();
  });

  it('keeps the limits set in the settings, and an emptied field follows the drive again', async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, web.server.baseUrl, PASSWORD);
    await page.goto(`${web.server.baseUrl}/settings`);
    const section = page.getByRole('region', { name: 'Version history' });
    const days = section.getByLabel('Days to keep earlier versions');
    const count = section.getByLabel('Versions kept of each file');
    await days.fill('7');
    await count.fill('3');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ state: 'attached' });
    const saved = (await (await raw('/account/version-retention')).json()) as { days: number; count: number };
    expect([saved.days, saved.count]).toEqual([7, 3]);

    await page.reload();
    expect(await count.inputValue()).toBe('3');
    await days.fill('');
    await section.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => ((await (await raw('/account/version-retention')).json()) as { days: unknown }).days)
      .toBeNull();
    await page.close();
  });
});
