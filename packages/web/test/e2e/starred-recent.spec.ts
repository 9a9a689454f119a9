import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, RecentListing, StarredListing } from '@idrive/shared';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, listedNames, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'starred-test-password';

/** The names listed in a Starred or Recent view, in order. */
async function viewNames(page: Page, region: string): Promise<string[]> {
  return listedNames(page.getByRole('region', { name: region }));
}

/** Starring from the menu and the keyboard, the Starred and Recent views, as a person uses them. */
describe('Starred and Recent in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;
  let api: DriveApi;
  let work: Item;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    api = await driveApi(server.baseUrl, 'admin', PASSWORD);
    work = await api.mkdir(api.rootId, 'Work');
    await api.put(api.rootId, 'budget.txt', 'numbers');
    await api.put(api.rootId, 'letter.txt', 'dear reader');
    await api.put(work.id, 'plan.txt', 'the plan');
  });

  afterAll(() => web?.close());

  it('stars a file from the menu and with s, lists it in Starred, and another tab follows', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const [page, other] = await Promise.all([context.newPage(), context.newPage()]);
    await signIn(page, server.baseUrl, PASSWORD);
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    const row = (name: RegExp) => grid.getByRole('row', { name });

    await row(/budget\.txt/).click({ button: 'right' });
    await page
      .getByRole('menu', { name: 'Actions' })
      .getByRole('menuitem', { name: 'Add to Starred' })
      .click();
    await page.getByText('Starred 1 item').waitFor();
    await row(/budget\.txt/)
      .getByRole('img', { name: 'Starred' })
      .waitFor();
    expect(
      await row(/letter\.txt/)
        .getByRole('img', { name: 'Starred' })
        .count(),
    ).toBe(0);

    // The other tab shows the Starred view; `s` on the focused row stars it, and that tab follows.
    await other.goto(`${server.baseUrl}/starred`);
    await other.getByRole('heading', { name: 'Starred' }).waitFor();
    await expect.poll(() => viewNames(other, 'Starred')).toEqual(['budget.txt']);
    await row(/letter\.txt/).click();
    await page.keyboard.press('s');
    await row(/letter\.txt/)
      .getByRole('img', { name: 'Starred' })
      .waitFor();
    await expect.poll(() => viewNames(other, 'Starred')).toEqual(['letter.txt', 'budget.txt']);

    // `s` again takes the star off; so does the menu, which now offers that.
    await page.keyboard.press('s');
    await page.getByText('Removed the star from 1 item').waitFor();
    await expect.poll(() => viewNames(other, 'Starred')).toEqual(['budget.txt']);
    await row(/budget\.txt/).click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Remove from Starred' }).waitFor();
    await page.keyboard.press('Escape');

    // In the Starred view: a folder opens in the browser, a file in the preview.
    await api.json('POST', '/items/star', { ids: [work.id] });
    await page.getByRole('link', { name: 'Starred', exact: true }).click();
    await expect.poll(() => viewNames(page, 'Starred')).toEqual(['Work', 'budget.txt']);
    const starred = page.getByRole('region', { name: 'Starred' });
    await starred.getByRole('row', { name: /budget\.txt/ }).dblclick();
    await page.getByRole('dialog', { name: 'budget.txt' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'budget.txt' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Starred', exact: true }).click();
    await starred.getByRole('row', { name: /Work/ }).dblclick();
    await page.getByRole('grid', { name: 'Contents of Work' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/folders/${work.id}`);

    // `s` on a row takes the star off there too.
    await page.getByRole('link', { name: 'Starred', exact: true }).click();
    await expect.poll(() => viewNames(page, 'Starred')).toEqual(['Work', 'budget.txt']);
    await starred.getByRole('row', { name: /budget\.txt/ }).click();
    await page.keyboard.press('s');
    await expect.poll(() => viewNames(page, 'Starred')).toEqual(['Work']);
    const left = await api.json<StarredListing>('GET', '/starred');
    expect(left.items.map((item) => item.id)).toEqual([work.id]);
    await context.close();
  });

  it('opens a file and shows it first in Recent, saying it was opened', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, server.baseUrl, PASSWORD);
    const before = (await api.json<RecentListing>('GET', '/recent')).items.map((item) => item.name);
    expect(before).toContain('letter.txt');
    expect(before[0]).not.toBe('letter.txt');
    await page.getByRole('link', { name: 'Recent', exact: true }).click();
    await page.getByRole('heading', { name: 'Recent' }).waitFor();
    await expect.poll(() => viewNames(page, 'Recent')).toEqual(before);

    await page.getByRole('link', { name: 'I Drive' }).click();
    const grid = page.getByRole('grid', { name: 'Contents of My Drive' });
    await grid.getByRole('row', { name: /letter\.txt/ }).dblclick();
    const preview = page.getByRole('dialog', { name: 'letter.txt' });
    await preview.getByText('dear reader').waitFor();
    await page.keyboard.press('Escape');
    await preview.waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Recent', exact: true }).click();
    const after = ['letter.txt', ...before.filter((name) => name !== 'letter.txt')];
    await expect.poll(() => viewNames(page, 'Recent')).toEqual(after);
    const times = page.getByRole('region', { name: 'Recent' }).locator('time');
    expect(await times.first().textContent()).toMatch(/^Opened /);
    // plan.txt was uploaded and never opened.
    const plan = page.getByRole('region', { name: 'Recent' }).getByRole('row', { name: /plan\.txt/ });
    expect(await plan.locator('time').textContent()).toMatch(/^Changed /);
    await page.close();
  });
});
