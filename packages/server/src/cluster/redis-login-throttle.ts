import { randomUUID } from 'node:crypto';
import {
  tooManyAttempts,
  type LoginThrottle,
  type Reservation,
  type ThrottleBudget,
} from '../lib/login-throttle.js';
import type { RedisLink } from './redis-link.js';

/**
 * Checks every budget and, only when none is spent, records the attempt on all of them, as one
 * script: two instances cannot both take the last attempt of a budget. Each key is a sorted set of
 * attempts scored by their time; what has left the window is dropped first.
 * KEYS: one per budget. ARGV: now (ms), window (ms), the attempt's member, then each budget's limit.
 * Returns 0 when reserved, else the milliseconds until the spent budgets allow another attempt.
 */
const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local limit = tonumber(ARGV[3 + i])
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, 1, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1], ARGV[3])
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0
`;

export interface RedisLoginThrottleOptions {
  now?: () => number;
  /** Taking back a right secret's attempt failed: it then counts, and the sign-in still stands. */
  onError?: (err: unknown) => void;
}

/**
 * The cluster throttle: the counts live in Redis, so attempts spread over instances add up as if
 * they had all reached one. The clock is the instance's (kept in step by NTP); a few milliseconds'
 * skew only moves the window's edge by as much.
 */
export class RedisLoginThrottle implements LoginThrottle {
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly link: RedisLink,
    private readonly windowMs: number,
    options: RedisLoginThrottleOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
  }

  async reserve(budgets: readonly ThrottleBudget[], tooMany: string): Promise<Reservation> {
    const keys = budgets.map((budget) => this.key(budget.key));
    const at = this.now();
    const member = `${at}:${randomUUID()}`;
    const wait = Number(
      await this.link.client.eval(
        RESERVE_SCRIPT,
        keys.length,
        ...keys,
        at,
        this.windowMs,
        member,
        ...budgets.map((budget) => budget.limit),
      ),
    );
    if (wait > 0) throw tooManyAttempts(wait, tooMany);
    return {
      succeeded: async (resetKeys = []) => {
        const undo = this.link.client.multi();
        for (const key of keys) undo.zrem(key, member);
        if (resetKeys.length > 0) undo.del(...resetKeys.map((key) => this.key(key)));
        await undo.exec().catch(this.onError);
      },
    };
  }

  private key(name: string): string {
    return this.link.key(`throttle:${name}`);
  }
}
