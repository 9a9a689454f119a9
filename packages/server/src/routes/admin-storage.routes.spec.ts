import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo, Item, Listing, StorageStatus } from '@idrive/shared';
import { createDiscordEmulator, type DiscordEmulator, type SeedResult } from '@idrive/discord-emulator';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';

describe('connecting Discord', { timeout: 60_000 }, () => {
  let emulator: DiscordEmulator;
  let seed: SeedResult;
  let env: Record<string, string>;
  let t: TestApp;
  let rootId: string;
  const admin = () => bearer(t.adminToken);

  beforeAll(async () => {
    emulator = createDiscordEmulator();
    const base = await emulator.app.listen({ host: '127.0.0.1', port: 0 });
    seed = emulator.control.seed({ channels: [], bots: [{}] });
    env = { DISCORD_API_BASE: `${base}/api/v10`, DISCORD_CDN_BASE: base };
    t = await startTestApp({ configDb: true, env });
    rootId = (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: admin() })
    ).json<Listing>().folder.id;
  });
  afterAll(async () => {
    await t.close();
    await emulator.app.close();
  });

  const upload = async (app: TestApp, name: string, body: Buffer) => {
    const res = await app.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${rootId}/files/${name}`,
      headers: bearer(app.adminToken),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Item>().id;
  };
  const storeOf = async (app: TestApp, id: string) =>
    (
      await app.drive.app.inject({
        method: 'GET',
        url: `/api/v1/files/${id}/info`,
        headers: bearer(app.adminToken),
      })
    )
      .json<FileInfo>()
      .storage!.stores.map((s) => s.store);
  const content = async (app: TestApp, id: string) =>
    (
      await app.drive.app.inject({
        method: 'GET',
        url: `/api/v1/files/${id}/content`,
        headers: bearer(app.adminToken),
      })
    ).rawPayload;

  it('starts on local disk, and names the drive by the id its chunks carry', async () => {
    const res = await t.drive.app.inject({ method: 'GET', url: '/api/v1/admin/storage', headers: admin() });
    const driveId = await t.drive.repos.drive.id();
    expect(driveId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const none = {
      checked: 0,
      deepChecked: 0,
      missing: 0,
      damaged: 0,
      repaired: 0,
      added: 0,
      removed: 0,
      failed: 0,
      ms: 0,
    };
    expect(res.json<StorageStatus>()).toEqual({
      driveId,
      writeTo: 'local',
      discord: null,
      // Local disk keeps one copy of each object: there is no place apart to put another.
      copies: {
        replicas: 1,
        places: 0,
        objects: 0,
        copies: 0,
        objectsShort: 0,
        objectsLost: 0,
        filesSingle: 0,
        filesLost: 0,
        atRisk: [],
        scrub: { periodDays: 30, lastRunAt: null, last: null, week: none },
      },
    });
  });

  it('refuses a bad token with a message saying what to check, and changes nothing', async () => {
    const res = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/admin/storage/discord',
      headers: admin(),
      payload: { botToken: 'x'.repeat(40), guildId: seed.guild.id },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/token/);
    const status = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/admin/storage',
      headers: admin(),
    });
    expect(status.json<StorageStatus>().discord).toBeNull();
    expect(emulator.state.channels.size).toBe(0);
  });

  it('connects: creates channels and webhooks, keeps tokens sealed, sends new uploads to Discord', async () => {
    const before = randomBytes(50_000);
    const localId = await upload(t, 'before.bin', before);

    const res = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/admin/storage/discord',
      headers: admin(),
      payload: { botToken: seed.bots[0]!.token, guildId: seed.guild.id, channels: 2, webhooksPerChannel: 2 },
    });
    expect(res.statusCode, res.body).toBe(200);
    const status = res.json<StorageStatus>();
    expect(status.writeTo).toBe('discord');
    expect(status.discord?.channels).toBe(2);
    expect(status.discord?.credentials.filter((c) => c.kind === 'webhook')).toHaveLength(4);
    expect(status.discord?.credentials.filter((c) => c.kind === 'bot')).toHaveLength(1);
    expect(res.body).not.toContain(seed.bots[0]!.token);
    expect(emulator.state.channels.size).toBe(2);

    const rows = await t.drive.repos.discordCredentials.list();
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.sealed_token).not.toContain(seed.bots[0]!.token.slice(0, 12));

    const again = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/admin/storage/discord',
      headers: admin(),
      payload: { botToken: seed.bots[0]!.token, guildId: seed.guild.id },
    });
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('conflict');

    const after = randomBytes(50_000);
    const discordId = await upload(t, 'after.bin', after);
    expect(await storeOf(t, localId)).toEqual(['local']);
    expect(await storeOf(t, discordId)).toEqual(['discord']);
    expect((await content(t, localId)).equals(before)).toBe(true);
    expect((await content(t, discordId)).equals(after)).toBe(true);

    // After a restart the connection comes back from the database.
    await t.drive.close();
    const restarted = await startTestApp({ dataDir: t.dataDir, configDb: true, env });
    try {
      const resumed = await restarted.drive.app.inject({
        method: 'GET',
        url: '/api/v1/admin/storage',
        headers: bearer(restarted.adminToken),
      });
      expect(resumed.json<StorageStatus>().writeTo).toBe('discord');
      expect((await content(restarted, discordId)).equals(after)).toBe(true);
      expect((await content(restarted, localId)).equals(before)).toBe(true);
    } finally {
      await restarted.drive.close();
    }
  });
});
