import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriveEvent } from '@idrive/shared';
import { createDiscordEmulator, type DiscordEmulator } from '@idrive/discord-emulator';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import { bearer, startTestApp, type TestApp } from '../../test/helpers/test-app.js';

type HealthEvent = Extract<DriveEvent, { type: 'storage.health' }>;
const isHealth =
  (match: (event: HealthEvent) => boolean = () => true) =>
  (event: DriveEvent): event is HealthEvent =>
    event.type === 'storage.health' && match(event);

describe('storage health events', { timeout: 30_000 }, () => {
  let emulator: DiscordEmulator;
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    emulator = createDiscordEmulator();
    const base = await emulator.app.listen({ host: '127.0.0.1', port: 0 });
    t = await startTestApp({ env: { DISCORD_API_BASE: `${base}/api/v10`, DISCORD_CDN_BASE: base } });
    url = `${(await t.drive.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/api/v1/events`;
  });
  afterAll(async () => {
    await t.close();
    await emulator.app.close();
  });

  it('tells admins, and only admins, when a Discord credential is taken out of use and put back', async () => {
    const admin = await openEventSocket(url, bearer(t.adminToken));
    const user = await newDriveUser(t);
    const userSocket = await openEventSocket(url, bearer(user.token));
    const seed = emulator.control.seed({ channels: [], bots: [{}] });
    const connect = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/admin/storage/discord',
      headers: bearer(t.adminToken),
      payload: { botToken: seed.bots[0]!.token, guildId: seed.guild.id, channels: 1 },
    });
    expect(connect.statusCode, connect.body).toBe(200);
    const connected = await admin.waitFor(isHealth());
    expect(connected.storage.discord?.credentials).toHaveLength(2);

    // Someone deletes the storage webhook in Discord: the next upload finds out.
    emulator.state.webhooks.clear();
    const upload = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${user.root}/files/a.bin`,
      headers: bearer(user.token),
      payload: Buffer.alloc(1000, 1),
    });
    expect(upload.statusCode).toBeGreaterThanOrEqual(500);
    const broken = await admin.waitFor(
      isHealth((e) => e.storage.discord!.credentials.some((c) => c.quarantined !== null)),
    );
    const webhook = broken.storage.discord!.credentials.find((c) => c.kind === 'webhook')!;
    expect(webhook.quarantined?.reason).toContain('10015');

    const reenable = await t.drive.app.inject({
      method: 'POST',
      url: `/api/v1/admin/storage/discord/credentials/${webhook.id}/reenable`,
      headers: bearer(t.adminToken),
    });
    expect(reenable.statusCode).toBe(200);
    await admin.waitFor(
      isHealth((e) => e !== broken && e.storage.discord!.credentials.every((c) => !c.quarantined)),
    );
    expect(userSocket.received.map((e) => e.type)).toEqual(['ready']);
    await admin.close();
    await userSocket.close();
  });
});
