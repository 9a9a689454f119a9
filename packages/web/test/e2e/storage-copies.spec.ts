import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordEmulator, type DiscordEmulator } from '@idrive/discord-emulator';
import type { ServerProcess } from '../../../server/test/helpers/server-process.js';
import { startWebServer, type WebServer } from './browser.js';
import { driveApi, signIn } from './drive.js';

const PASSWORD = 'storage-copies-password';

/** The figure a Storage page shows beside a label, as a person reads it off the page. */
async function figure(page: Page, label: string): Promise<number> {
  const row = page.getByRole('term').filter({ hasText: label }).locator('..');
  return Number((await row.getByRole('definition').textContent())?.replace(/\D/g, ''));
}

/**
 * An admin keeps two copies of every chunk from the Storage page; a storage channel loses every
 * message; the page shows the file at risk and then the scrubber's repair, as it happens.
 */
describe('copies on the Storage page in Chromium', { timeout: 180_000 }, () => {
  let emulator: DiscordEmulator;
  let web: WebServer;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    emulator = createDiscordEmulator();
    await emulator.app.listen({ host: '127.0.0.1', port: 0 });
    const discord = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
    const seed = emulator.control.seed({ channels: [], bots: [{}] });
    web = await startWebServer({
      IDRIVE_ADMIN_PASSWORD: PASSWORD,
      DISCORD_API_BASE: `${discord}/api/v10`,
      DISCORD_CDN_BASE: discord,
      // The scrubber runs every two seconds here, so the page changes while it is watched.
      IDRIVE_JOB_INTERVAL_SECONDS: '2',
    });
    ({ server, browser } = web);
    const admin = await driveApi(server.baseUrl, 'admin', PASSWORD);
    await admin.json('POST', '/admin/storage/discord', {
      botToken: seed.bots[0]!.token,
      guildId: seed.guild.id,
      channels: 3,
    });
  });

  afterAll(async () => {
    await web?.close();
    await emulator?.app.close();
  });

  it('keeps a second copy, shows a lost one, and then its repair', async () => {
    const page = await browser.newPage();
    await signIn(page, server.baseUrl, PASSWORD);
    await page.getByRole('link', { name: 'Storage' }).click();
    await page.getByRole('heading', { name: 'Copies and scrubbing' }).waitFor();
    await page.getByLabel('Copies of every chunk').selectOption('2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/now keeps 2 copies/).waitFor();

    const admin = await driveApi(server.baseUrl, 'admin', PASSWORD);
    await admin.put(admin.rootId, 'report.txt', 'kept twice '.repeat(1000));
    // Live: the page is told of each scrub run that changed anything.
    await expect.poll(() => figure(page, 'Copies added'), { timeout: 30_000 }).toBe(1);
    expect(await figure(page, 'Files with a single good copy')).toBe(0);
    expect(await page.getByText('No file is at risk.').isVisible()).toBe(true);

    const [message] = [...emulator.state.messages.values()];
    emulator.control.purgeChannel(message!.channelId);
    await expect.poll(() => figure(page, 'Copies repaired'), { timeout: 30_000 }).toBe(1);
    expect(await figure(page, 'Files with no good copy')).toBe(0);
    expect(await figure(page, 'Copies stored')).toBe(2);
    expect(await page.getByText(/Last run: /).isVisible()).toBe(true);

    // A third copy goes to the third channel.
    await page.getByLabel('Copies of every chunk').selectOption('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => figure(page, 'Copies added'), { timeout: 30_000 }).toBe(2);
    expect(await figure(page, 'Copies stored')).toBe(3);
    await page.close();
  });
});
