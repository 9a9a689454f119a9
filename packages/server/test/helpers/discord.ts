import pino from 'pino';
import { DEFAULT_CHUNK_SIZE, type Listing } from '@idrive/shared';
import { createDiscordEmulator, type DiscordEmulator, type SeedRequest } from '@idrive/discord-emulator';
import { createDiscordStore } from '../../src/storage/discord/create-discord-store.js';
import type { DiscordScheduler } from '../../src/storage/discord/discord-scheduler.js';
import type { DiscordChunkStore } from '../../src/storage/discord/discord.store.js';
import type { RateLimitState } from '../../src/storage/discord/rate-limit-state.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

export interface EmulatedDiscord {
  emulator: DiscordEmulator;
  base: string;
  scheduler: DiscordScheduler;
  store: DiscordChunkStore;
  state: RateLimitState;
  seeded: ReturnType<DiscordEmulator['control']['seed']>;
  close(): Promise<void>;
}

/** A listening emulator with Discord's default limits, seeded, and a chunk store wired to it. */
export async function emulatedDiscord(
  seed: SeedRequest = { channels: ['c1', 'c2'], webhooksPerChannel: 2, bots: [{}] },
): Promise<EmulatedDiscord> {
  const emulator = createDiscordEmulator();
  const base = await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  const seeded = emulator.control.seed(seed);
  const { scheduler, store, state } = createDiscordStore({
    endpoints: { apiBase: `${base}/api/v10`, cdnBase: base },
    webhooks: seeded.channels.flatMap((c) =>
      c.webhooks.map((w) => ({ id: w.id, token: w.token, channelId: c.id })),
    ),
    bots: seeded.bots.map((b) => ({ id: b.id, token: b.token })),
    chunkSize: DEFAULT_CHUNK_SIZE,
    log: pino({ level: 'silent' }),
    // The emulator's clock, which a test may move: signed URLs expire by it.
    now: () => emulator.control.now(),
  });
  return { emulator, base, scheduler, store, state, seeded, close: () => emulator.app.close() };
}

/** An app whose new chunks go to an emulated Discord, with the admin's root folder id. */
export async function startDiscordApp(
  seed?: SeedRequest,
): Promise<{ discord: EmulatedDiscord; t: TestApp; rootId: string; close(): Promise<void> }> {
  const discord = await emulatedDiscord(seed);
  const t = await startTestApp({ overrides: { stores: [discord.store], writeTo: 'discord' } });
  const root = await t.drive.app.inject({
    method: 'GET',
    url: '/api/v1/folders/root',
    headers: bearer(t.adminToken),
  });
  return {
    discord,
    t,
    rootId: root.json<Listing>().folder.id,
    close: async () => {
      await t.close();
      await discord.close();
    },
  };
}
