import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordEmulator, type DiscordEmulator, type SeedResult } from '@idrive/discord-emulator';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';

const PASSWORD = 'storage-admin-password';

/** An admin connects Discord from the Storage page, as a person would. */
describe('the Storage page in Chromium', { timeout: 120_000 }, () => {
  let emulator: DiscordEmulator;
  let seed: SeedResult;
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    emulator = createDiscordEmulator();
    await emulator.app.listen({ host: '127.0.0.1', port: 0 });
    const discord = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
    seed = emulator.control.seed({ channels: [], bots: [{}] });
    web = await startWebServer({
      IDRIVE_ADMIN_PASSWORD: PASSWORD,
      DISCORD_API_BASE: `${discord}/api/v10`,
      DISCORD_CDN_BASE: discord,
    });
    ({ server, browser } = web);
  });

  afterAll(async () => {
    await web?.close();
    await emulator?.app.close();
  });

  it('refuses a wrong token with a message, then connects, lists the credentials and shows the journal caught up', async () => {
    const page = await browser.newPage();
    await page.goto(server.baseUrl);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Storage' }).click();
    await page.getByRole('heading', { name: 'Connect Discord' }).waitFor();
    expect(await page.getByText('New uploads go to:').textContent()).toContain('local disk');
    expect(await page.getByText('Drive id:').textContent()).toMatch(
      /Drive id: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/,
    );

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

    // The metadata journal reaches the new control channel on its own; Refresh shows it caught up.
    const journal = page.getByRole('region', { name: 'Metadata journal' });
    await journal.waitFor();
    await expect
      .poll(
        async () => {
          await journal.getByRole('button', { name: 'Refresh' }).click();
          return journal.getByRole('status').textContent();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toMatch(/^Every change is on Discord \(through change \d+\)\.$/);
    expect(await journal.getByText(/^Latest checkpoint: change \d+, /).count()).toBe(1);
    expect(await journal.getByText(/^Control channel \d+$/).count()).toBe(1);
    await page.close();
  });
});
