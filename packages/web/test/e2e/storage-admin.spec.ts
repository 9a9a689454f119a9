import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordEmulator, type DiscordEmulator, type SeedResult } from '@idrive/discord-emulator';
import { startServerProcess, type ServerProcess } from '../../../server/test/helpers/server-process.js';
import { launchBrowser } from './browser.js';

const webDist = fileURLToPath(new URL('../../dist', import.meta.url));
const PASSWORD = 'storage-admin-password';

/** An admin connects Discord from the Storage page, as a person would. */
describe('the Storage page in Chromium', { timeout: 120_000 }, () => {
  let emulator: DiscordEmulator;
  let seed: SeedResult;
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(path.join(webDist, 'index.html')))
      throw new Error('Build the web app first: npm run build');
    emulator = createDiscordEmulator();
    await emulator.app.listen({ host: '127.0.0.1', port: 0 });
    const discord = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
    seed = emulator.control.seed({ channels: [], bots: [{}] });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-e2e-storage-'));
    server = await startServerProcess({
      IDRIVE_DATA_DIR: dataDir,
      IDRIVE_ADMIN_PASSWORD: PASSWORD,
      IDRIVE_WEB_DIR: webDist,
      DISCORD_API_BASE: `${discord}/api/v10`,
      DISCORD_CDN_BASE: discord,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a wrong token with a message, then connects and lists the credentials', async () => {
    const page = await browser.newPage();
    await page.goto(server.baseUrl);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Storage' }).click();
    await page.getByRole('heading', { name: 'Connect Discord' }).waitFor();
    expect(await page.getByText('New uploads go to:').textContent()).toContain('local disk');

    await page.getByLabel('Bot token').fill('x'.repeat(40));
    await page.getByLabel('Server id').fill(seed.guild.id);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/token/i);

    await page.getByLabel('Bot token').fill(seed.bots[0]!.token);
    await page.getByLabel('Storage channels').fill('2');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('table', { name: 'Discord credentials' }).waitFor();
    expect(await page.getByText('New uploads go to:').textContent()).toContain('Discord');
    expect(await page.getByRole('cell', { name: 'Webhook' }).count()).toBe(2);
    expect(await page.content()).not.toContain(seed.bots[0]!.token);
    await page.close();
  });
});
