import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  CANCELLED_KEPT_MS,
  LocalHolds,
  type DownloadHold,
  type DownloadRegistry,
} from '../services/download-registry.js';
import { LuaScript } from './lua-script.js';
import type { RedisLink } from './redis-link.js';

/**
 * Adds this response's token to the set of the key's responses and extends the set's life, unless
 * the key was cancelled (answers 0). Holding and renewing are the same step.
 */
const HOLD = new LuaScript(`
if redis.call('exists', KEYS[2]) == 1 then return 0 end
redis.call('sadd', KEYS[1], ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[2])
return 1`);

/** Only a key some instance sends is cancelled: marked refused, and every instance told. */
const CANCEL = new LuaScript(`
if redis.call('exists', KEYS[1]) == 0 then return 0 end
redis.call('set', KEYS[2], '1', 'PX', ARGV[3])
redis.call('publish', ARGV[1], ARGV[2])
return 1`);

export interface RedisDownloadRegistryOptions {
  /** How long a response's record lives unless renewed (every third of it): how long a dead instance's lingers. */
  ttlMs?: number;
  /** Redis refused or is away: a record or a renewal did not go through (the next renewal tries again). */
  onError?: (err: unknown) => void;
}

const CHANNEL = 'downloads:cancel';

/**
 * The cluster registry. Each key's responses are a set of tokens in Redis, which a cancel on any
 * instance checks (so a key no instance sends answers false) before it marks the key refused and
 * publishes it on one channel; the instance that sends it hears it and ends its responses. A
 * renewal also finds a refused key, which ends a response whose instance missed the message (its
 * subscriber connection was down). A download keeps going when Redis is away: it just cannot be
 * cancelled from another instance until a renewal records it.
 */
export class RedisDownloadRegistry implements DownloadRegistry {
  private readonly local = new LocalHolds();
  /** Token of each key this instance holds: renewals need one per key, not per response. */
  private readonly tokens = new Map<string, string>();
  private readonly channel: string;
  private readonly ttlMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly link: RedisLink,
    private readonly subscriber: Redis,
    options: RedisDownloadRegistryOptions,
  ) {
    this.channel = link.key(CHANNEL);
    this.ttlMs = options.ttlMs ?? 30_000;
    this.onError = options.onError ?? (() => undefined);
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /** Opens the subscriber connection; resolves once this instance hears cancels. */
  static async start(
    link: RedisLink,
    options: RedisDownloadRegistryOptions = {},
  ): Promise<RedisDownloadRegistry> {
    const subscriber = await link.connection('downloads');
    const registry = new RedisDownloadRegistry(link, subscriber, options);
    subscriber.on('message', (channel: string, key: string) => {
      if (channel === registry.channel) registry.ended(key);
    });
    await subscriber.subscribe(registry.channel);
    return registry;
  }

  async hold(key: string, onCancel: () => void): Promise<DownloadHold | null> {
    const token = this.tokens.get(key) ?? randomUUID();
    try {
      if (!(await this.record(key, token))) return null;
    } catch (err) {
      this.onError(err);
    }
    this.tokens.set(key, token);
    const hold = this.local.add(key, onCancel);
    return {
      release: () => {
        hold.release();
        if (this.local.has(key)) return;
        this.tokens.delete(key);
        this.link.client.srem(this.name('held', key), token).catch(() => undefined);
      },
    };
  }

  async cancel(key: string): Promise<boolean> {
    const names = [this.name('held', key), this.name('cancelled', key)];
    return Number(await CANCEL.run(this.link.client, names, [this.channel, key, CANCELLED_KEPT_MS])) === 1;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private record(key: string, token: string): Promise<boolean> {
    const names = [this.name('held', key), this.name('cancelled', key)];
    return HOLD.run(this.link.client, names, [token, this.ttlMs]).then((held) => Number(held) === 1);
  }

  private async renew(): Promise<void> {
    for (const [key, token] of this.tokens) {
      try {
        if (!(await this.record(key, token))) this.ended(key);
      } catch (err) {
        this.onError(err);
        return;
      }
    }
  }

  private ended(key: string): void {
    this.tokens.delete(key);
    this.local.cancel(key);
  }

  /** Both keys of a download share a hash tag: a script's keys must live on one Redis Cluster node. */
  private name(kind: 'held' | 'cancelled', key: string): string {
    return this.link.key(`download:${kind}:{${key}}`);
  }
}
