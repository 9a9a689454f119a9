import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createDiscordEmulator, type DiscordEmulator, type SeedRequest } from '@idrive/discord-emulator';
import { DEFAULT_CHUNK_SIZE } from '@idrive/shared';
import { DiscordHttp } from '../../src/storage/discord/discord-http.js';
import { DiscordScheduler } from '../../src/storage/discord/discord-scheduler.js';
import { DiscordChunkStore } from '../../src/storage/discord/discord.store.js';
import { MemoryRateLimitState } from '../../src/storage/discord/rate-limit-state.js';
import { SignedUrlCache } from '../../src/storage/discord/signed-url-cache.js';
import { sealedSize } from '../../src/storage/segment-cipher.js';

export interface EmulatedDiscord {
  emulator: DiscordEmulator;
  scheduler: DiscordScheduler;
  store: DiscordChunkStore;
  close(): Promise<void>;
}

/** A listening emulator with Discord's default limits, seeded, and a chunk store wired to it. */
export async function emulatedDiscord(
  seed: SeedRequest = { channels: ['c1', 'c2'], webhooksPerChannel: 2, bots: [{}] },
): Promise<EmulatedDiscord> {
  const emulator = createDiscordEmulator();
  await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
  const seeded = emulator.control.seed(seed);
  // The emulator's clock, which a test may move: signed URLs expire by it.
  const now = () => emulator.control.now();
  const scheduler = new DiscordScheduler({
    http: new DiscordHttp(`${base}/api/v10`, 15_000),
    webhooks: seeded.channels.flatMap((c) =>
      c.webhooks.map((w) => ({ id: w.id, token: w.token, channelId: c.id })),
    ),
    bots: seeded.bots.map((b) => ({ id: b.id, token: b.token })),
    state: new MemoryRateLimitState({
      channel: { limit: 30, windowMs: 60_000 },
      global: { limit: 50, windowMs: 1_000 },
      invalidWindowMs: 600_000,
    }),
    log: pino({ level: 'silent' }),
    now,
  });
  const store = new DiscordChunkStore({
    scheduler,
    urls: new SignedUrlCache(scheduler, base, now),
    maxAttachmentBytes: 10 * 1024 * 1024,
    typicalChunkBytes: sealedSize(DEFAULT_CHUNK_SIZE),
    now,
  });
  return { emulator, scheduler, store, close: () => emulator.app.close() };
}
