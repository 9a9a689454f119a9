import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageStatus } from '@idrive/shared';
import { startDiscordCluster, rootFolderId, type DiscordCluster } from '../helpers/discord-cluster.js';
import { bearer, type TestApp } from '../helpers/test-app.js';
import { testRedisUrl } from '../helpers/test-redis.js';

const redisUrl = testRedisUrl();
const databaseUrl = process.env.TEST_DATABASE_URL;
const WEBHOOK_POSTS = 'POST /api/v10/webhooks/:webhookId/:token';

async function upload(t: TestApp, name: string): Promise<number> {
  const res = await t.drive.app.inject({
    method: 'PUT',
    url: `/api/v1/folders/${await rootFolderId(t)}/files/${name}`,
    headers: bearer(t.adminToken),
    payload: randomBytes(2 * 1024 * 1024),
  });
  return res.statusCode;
}

async function quarantinedIds(t: TestApp): Promise<string[]> {
  const res = await t.drive.app.inject({
    method: 'GET',
    url: '/api/v1/admin/storage',
    headers: bearer(t.adminToken),
  });
  return res
    .json<StorageStatus>()
    .discord!.credentials.filter((c) => c.quarantined)
    .map((c) => c.id);
}

/** A credential Discord refused is out of use for every instance, and an admin puts it back for all. */
describe.runIf(redisUrl && databaseUrl)('a quarantine shared by instances', { timeout: 60_000 }, () => {
  let cluster: DiscordCluster;
  beforeAll(async () => {
    cluster = await startDiscordCluster({
      databaseUrl: databaseUrl!,
      redisUrl: redisUrl!,
      instances: 2,
      channels: 2,
      timeScale: 1,
    });
  });
  afterAll(() => cluster?.close());

  it('keeps the other instance off a dead webhook, and re-enables it everywhere', async () => {
    const [a, b] = cluster.apps.map((app) => app.t) as [TestApp, TestApp];
    const { emulator } = cluster;
    // Someone deletes one storage webhook in Discord: the first instance finds out (one 404).
    const dead = [...emulator.state.webhooks.keys()][0]!;
    emulator.state.webhooks.delete(dead);
    for (let i = 0; i < 2; i++) expect(await upload(a, `a-${i}.bin`)).toBe(201);
    expect(emulator.control.stats().requests[WEBHOOK_POSTS]?.['404']).toBe(1);
    expect(await quarantinedIds(a)).toEqual([dead]);

    // The other instance reads it from the database and never sends to it.
    await b.drive.discord.syncQuarantines();
    expect(await quarantinedIds(b)).toEqual([dead]);
    for (let i = 0; i < 4; i++) expect(await upload(b, `b-${i}.bin`)).toBe(201);
    expect(emulator.control.stats().requests[WEBHOOK_POSTS]?.['404']).toBe(1);

    // Put back through the second instance: the first sees it in use again.
    const reenable = await b.drive.app.inject({
      method: 'POST',
      url: `/api/v1/admin/storage/discord/credentials/${dead}/reenable`,
      headers: bearer(b.adminToken),
    });
    expect(reenable.statusCode, reenable.body).toBe(200);
    expect(await quarantinedIds(b)).toEqual([]);
    await a.drive.discord.syncQuarantines();
    expect(await quarantinedIds(a)).toEqual([]);
  });
});
