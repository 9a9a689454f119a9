import type { FastifyBaseLogger } from 'fastify';
import { chunkBufferSize } from '../chunk-format.js';
import { DiscordHttp } from './discord-http.js';
import { DiscordScheduler } from './discord-scheduler.js';
import type { BotCredential, WebhookCredential } from './discord-types.js';
import { DiscordChunkStore } from './discord.store.js';
import type { RedisLink } from '../../cluster/redis-link.js';
import { MemoryRateLimitState, type RateLimitState } from './rate-limit-state.js';
import { RedisRateLimitState } from './redis-rate-limit-state.js';
import { SignedUrlCache } from './signed-url-cache.js';

export interface DiscordEndpoints {
  /** e.g. https://discord.com/api/v10 (or the emulator's). */
  apiBase: string;
  /** e.g. https://cdn.discordapp.com (refresh-urls wants the CDN form of a URL). */
  cdnBase: string;
  /** Discord seconds per real second (1 against Discord; the emulator's clock may run faster or slower). */
  timeScale?: number;
}

export interface DiscordStoreParts {
  scheduler: DiscordScheduler;
  store: DiscordChunkStore;
  /** What the scheduler knows of Discord's limits. */
  state: RateLimitState;
}

/**
 * The Discord store and the scheduler behind it, with Discord's limits: 10 MiB per attachment, and
 * self-pacing at 30 webhook messages a minute per channel and 50 requests a second per bot (the
 * scheduler also learns what Discord announces, and backs off on what it does not). With `redis`
 * (cluster mode) what it knows of the limits is shared with the other instances.
 */
export function createDiscordStore(options: {
  endpoints: DiscordEndpoints;
  bots: BotCredential[];
  webhooks: WebhookCredential[];
  chunkSize: number;
  log: FastifyBaseLogger;
  /** Discord's clock; the emulator's in tests. */
  now?: () => number;
  onQuarantine?: (credentialId: string, reason: string, since: number) => Promise<void> | void;
  /** Instances that share these credentials share their limits through it. */
  redis?: RedisLink;
}): DiscordStoreParts {
  const now = options.now ?? Date.now;
  const scale = options.endpoints.timeScale ?? 1;
  const pacing = {
    channel: { limit: 30, windowMs: 60_000 / scale },
    global: { limit: 50, windowMs: 1_000 / scale },
    invalidWindowMs: 600_000 / scale,
  };
  const state = options.redis
    ? new RedisRateLimitState(options.redis, pacing)
    : new MemoryRateLimitState(pacing);
  const scheduler = new DiscordScheduler({
    timeScale: scale,
    http: new DiscordHttp(options.endpoints.apiBase, 30_000),
    webhooks: options.webhooks,
    bots: options.bots,
    state,
    log: options.log,
    now,
    onQuarantine: options.onQuarantine,
  });
  const store = new DiscordChunkStore({
    scheduler,
    urls: new SignedUrlCache(scheduler, options.endpoints.cdnBase, now),
    maxAttachmentBytes: 10 * 1024 * 1024,
    typicalChunkBytes: chunkBufferSize(options.chunkSize),
    now,
    channels: () => [...new Set(options.webhooks.map((w) => w.channelId))],
    webhookIds: () => options.webhooks.map((w) => w.id),
  });
  return { scheduler, store, state };
}
