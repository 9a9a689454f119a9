import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitStates } from '../../../test/helpers/rate-limit-states.js';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../../test/helpers/test-redis.js';
import { RedisLink } from '../../cluster/redis-link.js';
import type { Pacing, RateLimitState } from './rate-limit-state.js';
import { RedisRateLimitState } from './redis-rate-limit-state.js';

const pacing: Pacing = {
  channel: { limit: 3, windowMs: 1_000 },
  global: { limit: 5, windowMs: 100 },
  invalidWindowMs: 10_000,
};
const T = 1_700_000_000_000;

// One body for every implementation: what the scheduler relies on, whoever keeps the limits.
describe.each(rateLimitStates())('RateLimitState ($name)', (kind) => {
  afterEach(() => kind.cleanup());
  const open = async () => ((await kind.open(pacing)) as [RateLimitState])[0];

  it('grants a sliding window its limit, then tells when its oldest slot frees', async () => {
    const state = await open();
    for (const at of [T, T + 100, T + 200]) expect(await state.acquire(['channel:1'], at)).toBe(0);
    expect(await state.acquire(['channel:1'], T + 300)).toBe(700);
    expect(await state.wait(['channel:1'], T + 999)).toBe(1);
    expect(await state.acquire(['channel:1'], T + 1_000)).toBe(0);
    expect(await state.acquire(['channel:1'], T + 1_000)).toBe(100);
    // Route keys have no window of their own: only what Discord announces paces them.
    for (let i = 0; i < 10; i++) expect(await state.acquire(['route:webhook:9'], T)).toBe(0);
  });

  it('takes a slot on every key or on none', async () => {
    const state = await open();
    for (let i = 0; i < 3; i++) expect(await state.acquire(['channel:1', 'global:ip'], T)).toBe(0);
    // channel:1 is full: nothing may be spent on global:ip by this attempt.
    expect(await state.acquire(['channel:1', 'global:ip'], T + 10)).toBe(990);
    expect(await state.acquire(['global:ip'], T + 10)).toBe(0);
    expect(await state.acquire(['global:ip'], T + 10)).toBe(0);
    expect(await state.acquire(['global:ip'], T + 10)).toBe(90);
    expect(await state.acquire(['channel:2'], T + 10)).toBe(0);
  });

  it('looking takes nothing', async () => {
    const state = await open();
    for (let i = 0; i < 10; i++) expect(await state.wait(['channel:1'], T)).toBe(0);
    for (let i = 0; i < 3; i++) expect(await state.acquire(['channel:1'], T)).toBe(0);
    expect(await state.wait(['channel:1'], T)).toBe(1_000);
  });

  it('spends what the headers announced, then waits for the reset', async () => {
    const state = await open();
    await state.answered('route:webhook:9', T, { remaining: 2, resetAt: T + 2_000 });
    expect(await state.acquire(['route:webhook:9'], T)).toBe(0);
    expect(await state.acquire(['route:webhook:9'], T + 1)).toBe(0);
    expect(await state.acquire(['route:webhook:9'], T + 2)).toBe(1_998);
    expect(await state.acquire(['route:webhook:9'], T + 2_000)).toBe(0);
    // After the reset nothing is known until Discord says more.
    for (let i = 0; i < 5; i++) expect(await state.acquire(['route:webhook:9'], T + 2_001)).toBe(0);
    await state.answered('route:webhook:9', T + 2_001, { remaining: 0, resetAt: T + 3_000 });
    expect(await state.wait(['route:webhook:9'], T + 2_500)).toBe(500);
  });

  it('honours the later of two blocks, and only on the key blocked', async () => {
    const state = await open();
    await state.block('channel:1', T + 5_000, T);
    await state.block('channel:1', T + 2_000, T);
    await state.block('route:webhook:9', T - 1, T);
    expect(await state.acquire(['route:webhook:9', 'channel:1'], T)).toBe(5_000);
    expect(await state.acquire(['route:webhook:9'], T)).toBe(0);
    expect(await state.acquire(['channel:1'], T + 5_000)).toBe(0);
  });

  it('counts invalid requests over a sliding window', async () => {
    const state = await open();
    for (const at of [T, T + 1_000, T + 2_000]) await state.recordInvalid(at);
    expect(await state.invalidCount(T + 2_000)).toBe(3);
    expect(await state.invalidCount(T + 10_000)).toBe(2);
    expect(await state.invalidCount(T + 12_000)).toBe(0);
    await state.recordInvalid(T + 12_000);
    expect(await state.invalidCount(T + 12_000)).toBe(1);
  });
});

const redisUrl = testRedisUrl();

describe.runIf(redisUrl)('RedisRateLimitState across instances', () => {
  const prefix = testRedisPrefix();
  const links: RedisLink[] = [];
  afterEach(async () => {
    for (const link of links.splice(0)) await link.close();
    await dropRedisPrefix(redisUrl!, prefix);
  });
  /** Two instances: separate connections, one drive (the same prefix). */
  async function instances(n: number, limits = pacing): Promise<RedisRateLimitState[]> {
    const states: RedisRateLimitState[] = [];
    for (let i = 0; i < n; i++) {
      const link = await RedisLink.connect(redisUrl!, prefix, { info: () => {}, warn: () => {} });
      links.push(link);
      states.push(new RedisRateLimitState(link, limits));
    }
    return states;
  }

  it('never grants two instances more than the limit in any window, asking at once', async () => {
    const limit = 10;
    const windowMs = 1_000;
    const states = await instances(2, { ...pacing, channel: { limit, windowMs } });
    const granted: { at: number; by: number }[] = [];
    // 4 s of a shared clock in 25 ms steps; at each step both instances ask 4 times in parallel.
    for (let at = T; at < T + 4_000; at += 25) {
      await Promise.all(
        states.flatMap((state, by) =>
          Array.from({ length: 4 }, async () => {
            if ((await state.acquire(['channel:7'], at)) === 0) granted.push({ at, by });
          }),
        ),
      );
    }
    for (const { at } of granted) {
      expect(granted.filter((g) => g.at > at - windowMs && g.at <= at).length).toBeLessThanOrEqual(limit);
    }
    // The limit is used, not merely respected, and both instances got their share of it.
    expect(granted).toHaveLength(4 * limit);
    expect(new Set(granted.map((g) => g.by))).toEqual(new Set([0, 1]));
  });

  it('shares blocks, announced buckets and invalid requests between instances', async () => {
    const [a, b] = (await instances(2)) as [RedisRateLimitState, RedisRateLimitState];
    await a.block('channel:1', T + 3_000, T);
    expect(await b.acquire(['channel:1'], T)).toBe(3_000);
    await a.answered('route:webhook:9', T, { remaining: 1, resetAt: T + 2_000 });
    expect(await b.acquire(['route:webhook:9'], T)).toBe(0);
    expect(await a.acquire(['route:webhook:9'], T)).toBe(2_000);
    await a.recordInvalid(T);
    await b.recordInvalid(T);
    expect(await a.invalidCount(T)).toBe(2);
  });

  it('learns low: requests still in flight count as spent, and a report never raises a window not yet reset', async () => {
    const [a, b] = (await instances(2)) as [RedisRateLimitState, RedisRateLimitState];
    // Three requests leave before any answer; the first answer still sees 4 of 5 left.
    for (const state of [a, b, a]) expect(await state.acquire(['route:webhook:9'], T)).toBe(0);
    await b.answered('route:webhook:9', T + 50, { remaining: 4, resetAt: T + 2_000 });
    expect(await a.acquire(['route:webhook:9'], T + 60)).toBe(0);
    expect(await b.acquire(['route:webhook:9'], T + 60)).toBe(0);
    expect(await a.acquire(['route:webhook:9'], T + 60)).toBe(1_940);
    // A later answer reports more left than is: it changes nothing.
    await a.answered('route:webhook:9', T + 70, { remaining: 3, resetAt: T + 2_000 });
    expect(await b.acquire(['route:webhook:9'], T + 80)).toBe(1_920);
    // After the reset a report counts the two requests still in flight as spent in the new window.
    await a.answered('route:webhook:9', T + 2_000, { remaining: 4, resetAt: T + 4_000 });
    for (let i = 0; i < 2; i++) expect(await b.acquire(['route:webhook:9'], T + 2_000)).toBe(0);
    expect(await b.acquire(['route:webhook:9'], T + 2_000)).toBe(2_000);
  });

  it('after a reset, holds a window to the announced limit less what is in flight, until Discord says more', async () => {
    const [state] = (await instances(1)) as [RedisRateLimitState];
    for (let i = 0; i < 3; i++) expect(await state.acquire(['route:webhook:9'], T)).toBe(0);
    await state.answered('route:webhook:9', T + 10, { remaining: 2, resetAt: T + 100, limit: 5 });
    expect(await state.acquire(['route:webhook:9'], T + 20)).toBe(80);
    // Two requests of the old window are still in flight: three of the next window's five are left.
    for (let i = 0; i < 3; i++) expect(await state.acquire(['route:webhook:9'], T + 100)).toBe(0);
    const polled = await state.acquire(['route:webhook:9'], T + 100);
    expect(polled).toBeGreaterThan(0);
    expect(polled).toBeLessThan(100);
    // The first answer of the new window says when it resets; four requests are still in flight.
    await state.answered('route:webhook:9', T + 150, { remaining: 3, resetAt: T + 2_100, limit: 5 });
    expect(await state.acquire(['route:webhook:9'], T + 150)).toBe(1_950);
  });

  it('forgets a request that failed without an answer', async () => {
    const [state] = (await instances(1)) as [RedisRateLimitState];
    expect(await state.acquire(['route:webhook:9'], T)).toBe(0);
    await state.answered('route:webhook:9', T + 10);
    expect(await state.acquire(['route:webhook:9'], T + 20)).toBe(0);
    await state.answered('route:webhook:9', T + 30, { remaining: 1, resetAt: T + 2_000 });
    expect(await state.acquire(['route:webhook:9'], T + 40)).toBe(0);
    expect(await state.acquire(['route:webhook:9'], T + 40)).toBe(1_960);
  });

  it('lets every key expire once it no longer matters', async () => {
    const [state] = (await instances(1)) as [RedisRateLimitState];
    await state.acquire(['route:webhook:9', 'channel:1', 'global:ip'], T);
    await state.answered('route:webhook:9', T, { remaining: 4, resetAt: T + 2_000 });
    await state.block('channel:1', T + 5_000, T);
    await state.recordInvalid(T);
    const redis = links[0]!.client;
    const keys = await redis.keys(`${prefix}*`);
    // The route's bucket, the channel's and the address's windows, the block, the invalid requests.
    expect(keys.length).toBe(5);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      // No longer than what it records, plus the margin; the longest: a request in flight,
      // remembered for twice the HTTP timeout.
      expect(ttl, key).toBeLessThanOrEqual(60_000);
    }
  });
});
