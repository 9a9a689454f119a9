import { Redis } from 'ioredis';

export interface RedisLinkLog {
  info(message: string): void;
  warn(message: string): void;
}

/** How long start-up waits for Redis, and a health check for its PING. */
const CONNECT_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 1_000;

/**
 * The connection to the Redis that instances of one drive share. Keys are named through `key()`, so
 * several drives (or test runs) can share one Redis; the prefix is explicit rather than ioredis's
 * `keyPrefix`, which Lua scripts and channel names would otherwise have to know about.
 *
 * Commands fail at once while Redis is away (no offline queue): a request then fails with a 5xx and
 * health answers 503, rather than requests hanging or an instance quietly going on alone.
 */
export class RedisLink {
  readonly client: Redis;
  private readonly others = new Set<Redis>();

  private constructor(
    private readonly url: string,
    readonly prefix: string,
    private readonly log: RedisLinkLog,
  ) {
    this.client = this.open('commands');
  }

  /** Connects, or throws with a message that names the address when Redis does not answer in time. */
  static async connect(url: string, prefix: string, log: RedisLinkLog): Promise<RedisLink> {
    const link = new RedisLink(url, prefix, log);
    try {
      await withTimeout(link.client.connect(), CONNECT_TIMEOUT_MS);
    } catch (err) {
      await link.close();
      throw new Error(`Cannot reach Redis at ${redact(url)}: ${(err as Error).message}`, { cause: err });
    }
    return link;
  }

  /** The full name of a key or channel of this drive. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /**
   * Another connection, for what holds one to itself (subscriptions, blocking reads); it reconnects
   * on its own and is closed with the link.
   */
  async connection(name: string): Promise<Redis> {
    const redis = this.open(name);
    await withTimeout(redis.connect(), CONNECT_TIMEOUT_MS);
    return redis;
  }

  /** Whether Redis answers now. */
  async healthy(): Promise<boolean> {
    if (this.client.status !== 'ready') return false;
    try {
      return (await withTimeout(this.client.ping(), PING_TIMEOUT_MS)) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const redis of [this.client, ...this.others]) redis.disconnect();
    this.others.clear();
  }

  private open(name: string): Redis {
    const redis = new Redis(this.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `idrive-${name}`,
      // Reconnects keep trying, at most a second apart: an instance comes back when Redis does.
      retryStrategy: (times) => Math.min(1000, 50 * times),
    });
    let down = false;
    redis.on('error', (err: Error) => {
      if (down) return;
      down = true;
      this.log.warn(`Redis (${name}) is unreachable: ${err.message}`);
    });
    redis.on('ready', () => {
      if (!down) return;
      down = false;
      this.log.info(`Redis (${name}) is back`);
    });
    if (name !== 'commands') this.others.add(redis);
    return redis;
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured address';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
