import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createDiscordEmulator, type DiscordEmulator } from '@idrive/discord-emulator';
import { bearer, startTestApp, type TestApp } from './test-app.js';
import { openTestDb } from './test-db.js';
import { dropRedisPrefix, testRedisPrefix } from './test-redis.js';

export interface DiscordCluster {
  emulator: DiscordEmulator;
  /** The instances, each listening (`base`), all one drive. */
  apps: { t: TestApp; base: string }[];
  close(): Promise<void>;
}

/**
 * Instances of one drive (one PostgreSQL schema, one Redis prefix, each its own Redis link) on one
 * emulated Discord with its limits on. The first connects Discord through the admin API; the others
 * start after it and find the credentials in the database.
 */
export async function startDiscordCluster(options: {
  databaseUrl: string;
  redisUrl: string;
  instances: number;
  channels: number;
  timeScale: number;
}): Promise<DiscordCluster> {
  const emulator = createDiscordEmulator({ timeScale: options.timeScale });
  await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  const discordBase = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
  const seed = emulator.control.seed({ channels: [], bots: [{}] });
  const prefix = testRedisPrefix();
  const db = await openTestDb('postgres');
  const env = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: prefix,
    IDRIVE_MASTER_KEY: randomBytes(32).toString('base64'),
    DISCORD_API_BASE: `${discordBase}/api/v10`,
    DISCORD_CDN_BASE: discordBase,
    DISCORD_TIME_SCALE: String(options.timeScale),
  };
  const apps: DiscordCluster['apps'] = [];
  const close = async () => {
    for (const { t } of apps) await t.close();
    await db.drop().catch(() => undefined);
    await emulator.app.close();
    await dropRedisPrefix(options.redisUrl, prefix);
  };
  try {
    for (let i = 0; i < options.instances; i++) {
      const t = await startTestApp({ env, overrides: { db, cipherThreads: 1 } });
      apps.push({ t, base: await t.drive.app.listen({ host: '127.0.0.1', port: 0 }) });
      if (i > 0) continue;
      const connected = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/admin/storage/discord',
        headers: bearer(t.adminToken),
        payload: { botToken: seed.bots[0]!.token, guildId: seed.guild.id, channels: options.channels },
      });
      if (connected.statusCode !== 200) throw new Error(`connecting Discord failed: ${connected.body}`);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { emulator, apps, close };
}

/** The id of the admin's root folder on an instance. */
export async function rootFolderId(t: TestApp): Promise<string> {
  const root = await t.drive.app.inject({
    method: 'GET',
    url: '/api/v1/folders/root',
    headers: bearer(t.adminToken),
  });
  return root.json<{ folder: { id: string } }>().folder.id;
}
