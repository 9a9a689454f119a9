import { randomUUID } from 'node:crypto';
import type { KeyedLock } from '../lib/keyed-lock.js';
import { renewHold } from '../lib/renewed-hold.js';
import type { RedisLink } from './redis-link.js';

/** Extends the hold only if this holder's token is still the one stored. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
/** Deletes the lock only if this holder's token is still the one stored (never the next holder's). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

const FIRST_RETRY_MS = 20;
const MAX_RETRY_MS = 250;

export interface RedisLockOptions {
  /** The lock's names are `<prefix><namespace>:<key>`. */
  namespace: string;
  /** How long a hold lasts unless renewed (every third of it): how long a dead holder blocks others. */
  ttlMs: number;
  /** How long `run` waits for another holder to let go before it gives up with `busy()`. */
  waitMs: number;
  busy: () => Error;
}

/**
 * A lock that all instances sharing a Redis agree on: `SET key token NX PX ttl`, renewed while held,
 * released with a compare-and-delete, so a holder whose hold ran out never removes the next one's.
 * A holder that dies holds the key until its TTL runs out.
 */
export class RedisLock implements KeyedLock {
  constructor(
    private readonly redis: RedisLink,
    private readonly options: RedisLockOptions,
  ) {}

  async run<T>(key: string, fn: (held: AbortSignal) => Promise<T>): Promise<T> {
    const name = this.redis.key(`${this.options.namespace}:${key}`);
    const token = randomUUID();
    await this.acquire(name, token);
    const hold = renewHold(
      this.options.ttlMs,
      async () =>
        Number(await this.redis.client.eval(RENEW, 1, name, token, String(this.options.ttlMs))) === 1,
      `The lock ${name}`,
    );
    try {
      return await fn(hold.signal);
    } finally {
      hold.release();
      // A failed release only leaves the key to expire.
      await this.redis.client.eval(RELEASE, 1, name, token).catch(() => undefined);
    }
  }

  private async acquire(name: string, token: string): Promise<void> {
    const deadline = Date.now() + this.options.waitMs;
    for (let wait = FIRST_RETRY_MS; ; wait = Math.min(MAX_RETRY_MS, wait * 2)) {
      if ((await this.redis.client.set(name, token, 'PX', this.options.ttlMs, 'NX')) === 'OK') return;
      const left = deadline - Date.now();
      if (left <= 0) throw this.options.busy();
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
    }
  }
}
