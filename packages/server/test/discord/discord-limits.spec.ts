import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '@idrive/shared';
import { startDiscordApp, type EmulatedDiscord } from '../helpers/discord.js';
import { receive, send } from '../helpers/http-client.js';
import { Pattern } from '../helpers/pattern.js';
import { bearer, type TestApp } from '../helpers/test-app.js';

const MiB = 1024 * 1024;

/** Discord's default limits, enforced by the emulator: the scheduler must stay inside them. */
describe('uploading within Discord limits', { timeout: 600_000 }, () => {
  let discord: EmulatedDiscord;
  let t: TestApp;
  let rootId: string;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ discord, t, rootId, close } = await startDiscordApp({
      channels: ['c1', 'c2', 'c3', 'c4'],
      webhooksPerChannel: 2,
      bots: [{}],
    }));
    base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => close());

  /** Streams the file up and back over a real connection (a gibibyte does not fit in one string). */
  async function uploadAndCheck(name: string, source: Pattern): Promise<void> {
    const up = await send(`${base}/api/v1/folders/${rootId}/files/${name}`, {
      method: 'PUT',
      headers: { ...bearer(t.adminToken), 'content-length': String(source.size) },
      body: source.pieces(),
    });
    expect(up.status, up.body.toString()).toBe(201);
    const id = (JSON.parse(up.body.toString()) as Item).id;
    const hash = createHash('sha256');
    const down = await receive(`${base}/api/v1/files/${id}/content`, bearer(t.adminToken), (d) =>
      hash.update(d),
    );
    expect(down.status).toBe(200);
    expect(hash.digest('hex')).toBe(source.sha256());
  }

  it('uploads 1 GiB over 4 channels without a single invalid request', async () => {
    await uploadAndCheck('gib.bin', new Pattern('discord gib', 1024 * MiB));
    const stats = discord.emulator.control.stats();
    expect(stats.invalidRequests).toBe(0);
    expect(stats.rateLimited.user + stats.rateLimited.global).toBe(0);
    // 128 chunks of 8 MiB, at most three to a 25 MiB message; chunks wait briefly to share one.
    expect(stats.attachments).toBe(128);
    expect(stats.messages).toBeGreaterThanOrEqual(43);
    expect(stats.messages).toBeLessThan(100);
  });

  it('rides out a storm of surprise 429s with a correct file', async () => {
    discord.emulator.control.injectFault({
      kind: 'surprise429',
      path: '/api/v10/webhooks/*',
      count: 12,
      retryAfterMs: 300,
    });
    await uploadAndCheck('storm.bin', new Pattern('discord storm', 64 * MiB));
    expect(discord.emulator.control.stats().faultsInjected.surprise429).toBe(12);
  });
});
