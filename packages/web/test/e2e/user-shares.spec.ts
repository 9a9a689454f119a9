import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessList, User } from '@idrive/shared';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fromNewMenu, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'sharing-test-password';
const USER_PASSWORD = 'user-password-1';

/** Sharing a folder with another user in the web app, and working in it together, live. */
describe('sharing with another user in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;
  let alice: DriveApi;
  let bobName: string;
  let disk: string;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    ({ server, browser } = web);
    const admin = await driveApi(server.baseUrl, 'admin', PASSWORD);
    const create = (username: string) =>
      admin.json<User>('POST', '/users', { username, password: USER_PASSWORD });
    await create('alice');
    bobName = (await create('bob.builder')).username;
    alice = await driveApi(server.baseUrl, 'alice', USER_PASSWORD);
    const team = await alice.mkdir(alice.rootId, 'Team');
    await alice.put(team.id, 'plan.txt', 'the plan');
    disk = await mkdtemp(path.join(os.tmpdir(), 'idrive-sharing-e2e-'));
    await writeFile(path.join(disk, 'from-bob.txt'), 'hello from bob\n');
  });

  afterAll(async () => {
    await web?.close();
    if (disk) await rm(disk, { recursive: true, force: true });
  });

  const grid = (page: Page, folder: string) => page.getByRole('grid', { name: `Contents of ${folder}` });

  it('A shares a folder with B as editor; B finds it in Shared with me and uploads; A sees it arrive live', async () => {
    const [aliceContext, bobContext] = await Promise.all([browser.newContext(), browser.newContext()]);
    const [a, b] = await Promise.all([aliceContext.newPage(), bobContext.newPage()]);
    await signIn(a, server.baseUrl, USER_PASSWORD, 'alice');
    await signIn(b, server.baseUrl, USER_PASSWORD, bobName);
    // Bob has Shared with me open before anything is shared with him.
    await b.getByRole('link', { name: 'Shared with me' }).first().click();
    const shared = b.getByRole('region', { name: 'Shared with me' });
    await shared.getByText('Nothing is shared with you').waitFor();

    // Alice: the folder's menu, People with access, a name picked from the suggestions, as editor.
    await grid(a, 'My Drive').getByRole('row', { name: /Team/ }).click({ button: 'right' });
    await a
      .getByRole('menu', { name: 'Actions' })
      .getByRole('menuitem', { name: 'People with access…' })
      .click();
    const dialog = a.getByRole('dialog', { name: 'People with access to “Team”' });
    await dialog.getByRole('combobox', { name: 'Share with' }).pressSequentially('bob', { delay: 20 });
    await dialog.getByRole('option', { name: bobName }).waitFor();
    await a.keyboard.press('ArrowDown');
    await a.keyboard.press('ArrowUp');
    await a.keyboard.press('Enter');
    await dialog.getByLabel('Role', { exact: true }).selectOption('editor');
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();
    const bobsRole = dialog.getByRole('combobox', { name: `Role of ${bobName}` });
    await bobsRole.waitFor();
    expect(await bobsRole.inputValue()).toBe('editor');
    await dialog.getByRole('button', { name: 'Close' }).first().click();

    // Bob: the open view lists it as it is shared, with whose it is.
    const sharedTeam = shared.getByRole('row', { name: /Team/ });
    await sharedTeam.getByText('Shared by alice; you can edit').waitFor();
    await sharedTeam.getByText('Team', { exact: true }).dblclick();
    await b.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
    await b
      .getByRole('navigation', { name: 'Breadcrumbs' })
      .getByRole('link', { name: 'Shared with me' })
      .waitFor();
    await grid(b, 'Team')
      .getByRole('row', { name: /plan\.txt/ })
      .waitFor();

    // Alice opens the folder and leaves the page alone from here on.
    await grid(a, 'My Drive').getByRole('row', { name: /Team/ }).dblclick();
    await grid(a, 'Team')
      .getByRole('row', { name: /plan\.txt/ })
      .waitFor();
    await a.evaluate(() => Object.assign(window, { notReloaded: true }));

    const [chooser] = await Promise.all([b.waitForEvent('filechooser'), fromNewMenu(b, 'Upload files')]);
    await chooser.setFiles(path.join(disk, 'from-bob.txt'));
    await b.getByRole('region', { name: 'Uploads complete' }).waitFor();
    await grid(b, 'Team')
      .getByRole('row', { name: /from-bob\.txt/ })
      .waitFor();

    await grid(a, 'Team')
      .getByRole('row', { name: /from-bob\.txt/ })
      .waitFor();
    expect(await a.evaluate(() => 'notReloaded' in window)).toBe(true);

    // Bob keeps a copy of the plan: the picker starts in the shared folder, his drive a step away.
    await grid(b, 'Team')
      .getByRole('row', { name: /plan\.txt/ })
      .click({ button: 'right' });
    await b.getByRole('menu', { name: 'Actions' }).getByRole('menuitem', { name: 'Copy to…' }).click();
    const picker = b.getByRole('dialog', { name: 'Copy 1 item' });
    await picker
      .getByRole('navigation', { name: 'Destination folder' })
      .getByRole('button', { name: 'My Drive' })
      .click();
    await picker.getByRole('button', { name: 'Copy here' }).click();
    await b.getByText('Copied 1 item to My Drive').waitFor();
    const bob = await driveApi(server.baseUrl, bobName, USER_PASSWORD);
    const bobs = await bob.json<{ items: { name: string }[] }>('GET', '/folders/root');
    expect(bobs.items.map((i) => i.name)).toEqual(['plan.txt']);
    // The file is Alice's, in her folder, and holds what Bob sent.
    const team = await alice.json<{ items: { id: string; name: string }[] }>('GET', '/folders/root');
    const teamId = team.items.find((i) => i.name === 'Team')!.id;
    const listing = await alice.json<{ items: { id: string; name: string }[] }>(
      'GET',
      `/folders/${teamId}/children`,
    );
    expect(listing.items.map((i) => i.name).sort()).toEqual(['from-bob.txt', 'plan.txt']);
    const access = await alice.json<AccessList>('GET', `/items/${teamId}/access`);
    expect(access.entries.map((e) => [e.user.username, e.role])).toEqual([[bobName, 'editor']]);
    await Promise.all([aliceContext.close(), bobContext.close()]);
  });
});
