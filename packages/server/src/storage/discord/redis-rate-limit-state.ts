import { randomBytes } from 'node:crypto';
import type { RedisLink } from '../../cluster/redis-link.js';
import { LuaScript } from '../../cluster/lua-script.js';
import { windowFor, type Announced, type Pacing, type RateLimitState } from './rate-limit-state.js';

/**
 * Keys outlive what they record by this much. Redis expires them by its own clock while the scripts
 * judge by the scheduler's; the margin keeps a key from going before the scheduler is done with it.
 */
const EXPIRY_SLACK_MS = 1_000;
/** A request in flight matters until it is answered; the HTTP timeout is 30 s. */
const INFLIGHT_MS = 60_000;
/** While a bucket is spent and no answer has said when it resets, ask again this soon. */
const POLL_MS = 50;

/** Scores and times as Redis reads them back exactly (Lua's own tostring keeps 14 digits). */
const LUA_NUMBER = `local function num(x) return string.format('%.17g', x) end`;

/**
 * KEYS: per rate-limit key its block, its bucket and its sliding window, in threes.
 * ARGV: now, 1 to take (0 to look only), a unique member for the windows, the expiry slack, how long
 * requests in flight are remembered, how soon to ask again while a bucket is spent and its reset not
 * yet announced, then per key its window's limit and length (0 without one: a route, whose bucket
 * holds what Discord announced and the requests in flight). Answers the wait as a string: "0" means
 * that (when taking) a slot was taken on every key; otherwise nothing was taken.
 */
const ACQUIRE = new LuaScript(`${LUA_NUMBER}
local now, take, member, slack = tonumber(ARGV[1]), ARGV[2] == '1', ARGV[3], tonumber(ARGV[4])
local inflightMs, pollMs = tonumber(ARGV[5]), tonumber(ARGV[6])
local wait = 0
for i = 1, #KEYS / 3 do
  local blocked = tonumber(redis.call('GET', KEYS[3 * i - 2]) or '0')
  wait = math.max(wait, blocked - now)
  local bucket = redis.call('HMGET', KEYS[3 * i - 1], 'remaining', 'resetAt')
  if bucket[1] and tonumber(bucket[1]) <= 0 then
    wait = math.max(wait, bucket[2] and tonumber(bucket[2]) - now or pollMs)
  end
  local limit, windowMs = tonumber(ARGV[5 + 2 * i]), tonumber(ARGV[6 + 2 * i])
  if windowMs > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[3 * i], '-inf', num(now - windowMs))
    local count = redis.call('ZCARD', KEYS[3 * i])
    if count >= limit then
      local oldest = redis.call('ZRANGE', KEYS[3 * i], count - limit, count - limit, 'WITHSCORES')
      wait = math.max(wait, tonumber(oldest[2]) + windowMs - now)
    end
  end
end
if wait > 0 or not take then return num(wait) end
for i = 1, #KEYS / 3 do
  local windowMs = tonumber(ARGV[6 + 2 * i])
  if windowMs == 0 then
    local key = KEYS[3 * i - 1]
    local known = redis.call('HMGET', key, 'remaining', 'resetAt', 'limit', 'inflight')
    if known[1] and (not known[2] or now < tonumber(known[2])) then
      redis.call('HINCRBY', key, 'remaining', -1)
    elseif known[1] and known[3] then
      -- The window reset. The next holds the bucket's limit, less the requests still in flight (they
      -- may land in it), until Discord says when it resets.
      local inflight = tonumber(known[4] or '0')
      redis.call('HSET', key, 'remaining', tonumber(known[3]) - inflight - 1)
      redis.call('HDEL', key, 'resetAt')
    elseif known[1] then
      redis.call('HDEL', key, 'remaining', 'resetAt')
    end
    redis.call('HINCRBY', key, 'inflight', 1)
    redis.call('PEXPIRE', key, math.max(inflightMs, redis.call('PTTL', key)))
  end
  if windowMs > 0 then
    redis.call('ZADD', KEYS[3 * i], num(now), member)
    redis.call('PEXPIRE', KEYS[3 * i], math.ceil(windowMs + slack))
  end
end
return '0'`);

/**
 * KEYS: a route's bucket. ARGV: now, 1 with a report (then remaining, resetAt and the limit, -1 when
 * not announced), slack, how long requests in flight are remembered. A request was answered: it is no
 * longer in flight. A report leans low, because requests of this or other instances may have left
 * after the one reported on and be counted by Discord only after it answered: the requests still in
 * flight count as spent, and it never raises what is left of a window that has not reset.
 */
const ANSWERED = new LuaScript(`${LUA_NUMBER}
local now, reported = tonumber(ARGV[1]), ARGV[2] == '1'
local slack, inflightMs = tonumber(ARGV[6]), tonumber(ARGV[7])
local known = redis.call('HMGET', KEYS[1], 'remaining', 'resetAt', 'inflight')
local inflight = math.max(0, tonumber(known[3] or '0') - 1)
if inflight > 0 then
  redis.call('HSET', KEYS[1], 'inflight', inflight)
else
  redis.call('HDEL', KEYS[1], 'inflight')
end
if reported then
  local remaining, resetAt, limit = tonumber(ARGV[3]) - inflight, tonumber(ARGV[4]), tonumber(ARGV[5])
  if known[1] and (not known[2] or now < tonumber(known[2])) then
    remaining = math.min(tonumber(known[1]), remaining)
    if known[2] then resetAt = tonumber(known[2]) end
  end
  redis.call('HSET', KEYS[1], 'remaining', remaining, 'resetAt', num(resetAt))
  if limit >= 0 then redis.call('HSET', KEYS[1], 'limit', limit) end
end
local state = redis.call('HMGET', KEYS[1], 'remaining', 'resetAt')
local ttl = (inflight > 0 or (state[1] and not state[2])) and inflightMs or 0
if state[2] then ttl = math.max(ttl, tonumber(state[2]) - now + slack) end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], math.ceil(ttl))
else
  redis.call('DEL', KEYS[1])
end`);

/** KEYS: the block. ARGV: until, now, slack. Keeps the later of the two blocks. */
const BLOCK = new LuaScript(`${LUA_NUMBER}
local untilMs, now, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then
  redis.call('SET', KEYS[1], num(untilMs), 'PX', math.ceil(untilMs - now + slack))
end`);

/** KEYS: the invalid-request window. ARGV: now, window length, a unique member, slack. */
const RECORD_INVALID = new LuaScript(`${LUA_NUMBER}
local now, windowMs, member, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', num(now - windowMs))
redis.call('ZADD', KEYS[1], num(now), member)
redis.call('PEXPIRE', KEYS[1], math.ceil(windowMs + slack))`);

/**
 * Discord's limits as every instance of a drive sees them, in Redis. Each read-modify-write is one
 * Lua script, so a slot is spent by one instance only, and the invalid-request breaker counts the
 * requests of all instances (Discord bans the address, not the process). Times are the scheduler's
 * (`now` comes in with every call): they are compared with deadlines the scheduler computed from
 * Discord's answers on its own clock. Every key expires once it no longer matters.
 */
export class RedisRateLimitState implements RateLimitState {
  /** Makes window members unique across instances (two may take a slot in the same millisecond). */
  private readonly instance = randomBytes(6).toString('hex');
  private taken = 0;

  constructor(
    private readonly redis: RedisLink,
    private readonly pacing: Pacing,
  ) {}

  wait(keys: string[], now: number): Promise<number> {
    return this.slot(keys, now, false);
  }

  acquire(keys: string[], now: number): Promise<number> {
    return this.slot(keys, now, true);
  }

  async answered(key: string, now: number, announced?: Announced): Promise<void> {
    const report = announced
      ? [1, announced.remaining, announced.resetAt, announced.limit ?? -1]
      : [0, 0, 0, -1];
    await ANSWERED.run(
      this.redis.client,
      [this.name('bucket', key)],
      [now, ...report, EXPIRY_SLACK_MS, INFLIGHT_MS],
    );
  }

  async block(key: string, until: number, now: number): Promise<void> {
    // A block already over changes nothing (and would be a key without a life).
    if (until <= now) return;
    await BLOCK.run(this.redis.client, [this.name('block', key)], [until, now, EXPIRY_SLACK_MS]);
  }

  async recordInvalid(now: number): Promise<void> {
    await RECORD_INVALID.run(
      this.redis.client,
      [this.name('invalid')],
      [now, this.pacing.invalidWindowMs, this.member(), EXPIRY_SLACK_MS],
    );
  }

  invalidCount(now: number): Promise<number> {
    return this.redis.client.zcount(this.name('invalid'), `(${now - this.pacing.invalidWindowMs}`, '+inf');
  }

  private async slot(keys: string[], now: number, take: boolean): Promise<number> {
    const names = keys.flatMap((k) => [this.name('block', k), this.name('bucket', k), this.name('sent', k)]);
    const windows = keys.flatMap((k) => {
      const window = windowFor(this.pacing, k);
      return window ? [window.limit, window.windowMs] : [0, 0];
    });
    const wait = await ACQUIRE.run(this.redis.client, names, [
      now,
      take ? 1 : 0,
      this.member(),
      EXPIRY_SLACK_MS,
      INFLIGHT_MS,
      POLL_MS,
      ...windows,
    ]);
    return Math.max(0, Number(wait));
  }

  private member(): string {
    return `${this.instance}:${++this.taken}`;
  }

  /** One hash tag for all of them: a script's keys must live on one Redis Cluster node. */
  private name(kind: string, key?: string): string {
    return this.redis.key(`discord:{limits}:${kind}${key === undefined ? '' : `:${key}`}`);
  }
}
