import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriveSettings, Usage } from '@idrive/shared';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, fromNewMenu, signIn, type DriveApi } from './drive.js';

const PASSWORD = 'quotas-test-password';
const KiB = 1024;
const MiB = 1024 * KiB;

/** The header's storage bar, and the text beside it. */
const meter = (page: Page) => page.getByRole('meter', { name: 'Storage' });

/** Quotas in Chromium: the admin sets them on the users page, the header's bar follows uploads, a full quota says so. */
describe('storage quotas in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let baseUrl: string;
  let api: DriveApi;
  let disk: string;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    baseUrl = web.server.baseUrl;
    api = await driveApi(baseUrl, 'admin', PASSWORD);
    disk = await mkdtemp(path.join(os.tmpdir(), 'idrive-quota-e2e-'));
    await writeFile(path.join(disk, 'small.bin'), randomBytes(512 * KiB));
    await writeFile(path.join(disk, 'big.bin'), randomBytes(3 * MiB));
  });

  afterAll(async () => {
    await web?.close();
    if (disk) await rm(disk, { recursive: true, force: true });
  });

  async function pick(page: Page, file: string): Promise<void> {
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      fromNewMenu(page, 'Upload files'),
    ]);
    await chooser.setFiles(path.join(disk, file));
  }

  it('sets a quota on the users page, and the sidebar bar moves after an upload and refuses one that does not fit', async () => {
    const page = await (await web.browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);
    // No quota yet: the sidebar says what is used, without a bar.
    await page.getByText('0 B used').waitFor();
    expect(await meter(page).count()).toBe(0);

    await page.getByRole('link', { name: 'Users' }).click();
    const card = page.getByRole('listitem', { name: 'admin' });
    await card.getByRole('button', { name: 'Edit' }).click();
    const quota = card.getByRole('group', { name: 'Storage quota' });
    await quota.getByLabel('No limit').uncheck();
    await quota.getByLabel('Quota amount').fill('2');
    await quota.getByLabel('Unit').selectOption('MB');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('0 B of 2 MB used').waitFor();
    expect((await api.json<Usage>('GET', '/usage')).quotaBytes).toBe(2 * MiB);

    await page.getByRole('link', { name: 'My Drive' }).click();
    await meter(page).waitFor();
    expect(await meter(page).getAttribute('aria-valuenow')).toBe('0');
    await pick(page, 'small.bin');
    // The bar follows the upload's live event, without a reload.
    await page.getByText('512 KB of 2 MB used').waitFor();
    expect(await meter(page).getAttribute('aria-valuenow')).toBe('25');

    await pick(page, 'big.bin');
    const alert = page.getByRole('alert').filter({ hasText: 'Not enough storage' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/3 MB would exceed your quota of 2 MB; 1\.5 MB free/);
    await page.getByText('Failed:').waitFor();
    expect((await api.json<Usage>('GET', '/usage')).usedBytes).toBe(512 * KiB);

    // Emptying the trash gives the bytes back, and the bar follows that too.
    const small = (
      await api.json<{ items: { id: string; name: string }[] }>('GET', '/folders/root')
    ).items.find((i) => i.name === 'small.bin')!;
    await api.json('POST', '/items/trash', { ids: [small.id] });
    await api.json('DELETE', '/trash');
    await page.getByText('0 B of 2 MB used').waitFor();
  });

  it('sets the quota new accounts start with', async () => {
    const page = await (await web.browser.newContext()).newPage();
    await signIn(page, baseUrl, PASSWORD);
    await page.getByRole('link', { name: 'Users' }).click();
    const form = page.getByRole('form', { name: 'New accounts' });
    const quota = form.getByRole('group', { name: 'Storage quota of new accounts' });
    expect(await quota.getByLabel('No limit').isChecked()).toBe(true);
    await quota.getByLabel('No limit').uncheck();
    await quota.getByLabel('Quota amount').fill('5');
    await quota.getByLabel('Unit').selectOption('GB');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ state: 'attached' });
    expect(await api.json<DriveSettings>('GET', '/admin/settings')).toEqual({
      defaultQuotaBytes: 5 * 1024 ** 3,
    });
    await page.reload();
    await page.getByRole('form', { name: 'New accounts' }).getByLabel('Quota amount').waitFor();
    expect(
      await page.getByRole('form', { name: 'New accounts' }).getByLabel('Quota amount').inputValue(),
    ).toBe('5');
  });
});
