import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisLink } from '../cluster/redis-link.js';
import {
  collect,
  ended,
  eventBusBehaviour,
  labelOf,
  settleByMarker,
  type BusOptions,
} from '../../test/helpers/event-bus-behaviour.js';
import {
  dropRedisPrefix,
  startOwnRedis,
  testRedisPrefix,
  testRedisUrl,
} from '../../test/helpers/test-redis.js';
import type { EventBus } from './event-bus.js';
import { RedisEventBus, type RedisEventBusOptions } from './redis-event-bus.js';

const quiet = { info: () => undefined, warn: () => undefined };

describe.runIf(testRedisUrl())('RedisEventBus', () => {
  const url = testRedisUrl()!;
  let prefix: string;
  const links: RedisLink[] = [];

  /** Another instance of the drive: a bus on connections of its own, on the same prefix. */
  async function instance(options: RedisEventBusOptions = {}, at = url): Promise<RedisEventBus> {
    const link = await RedisLink.connect(at, prefix, quiet);
    links.push(link);
    return RedisEventBus.start(link, options);
  }

  beforeEach(() => {
    prefix = testRedisPrefix();
  });
  afterEach(async () => {
    for (const link of links.splice(0)) await link.close();
    await dropRedisPrefix(url, prefix);
  });

  describe('as any bus', () => {
    eventBusBehaviour(() => ({
      open: (options?: BusOptions) => instance(options),
      settle: settleByMarker,
    }));
  });

  it('hands what one instance publishes to listeners on another within a second, in order', async () => {
    const a = await instance();
    const b = await instance();
    const seen = collect();
    await b.subscribe(['a'], seen.listener);
    const labels = Array.from({ length: 200 }, (_, i) => String(i));
    const started = Date.now();
    for (const label of labels) a.publish(['a'], ended(label));
    await vi.waitFor(() => expect(seen.events).toHaveLength(200), { timeout: 1000, interval: 5 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen.events.map(labelOf)).toEqual(labels);
    const ids = seen.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(200);
  });

  it('orders the events of several instances the same way on every instance', async () => {
    const buses = [await instance(), await instance(), await instance()];
    const seen = buses.map(() => collect());
    for (const [i, bus] of buses.entries()) await bus.subscribe(['a'], seen[i]!.listener);
    for (let n = 0; n < 30; n++) buses[n % 3]!.publish(['a'], ended(String(n)));
    for (const bus of buses) await settleByMarker(buses[2]!, bus);
    const orders = seen.map((s) => s.events.map((e) => e.id));
    expect(orders[0]).toHaveLength(30);
    expect(orders[0]).toEqual([...orders[0]!].sort((x, y) => x - y));
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
  });

  it('replays on one instance what was published on another, then carries on live, none twice', async () => {
    const a = await instance();
    const b = await instance();
    const { cursor } = await a.subscribe(['a'], () => undefined);
    for (const n of ['1', '2', '3']) a.publish(['a'], ended(n));
    a.publish(['a'], ended('progress'), { transient: true });
    await settleByMarker(a, b);
    const live = collect();
    const { missed, cursor: from } = await b.subscribe(['a'], live.listener, cursor);
    expect(missed?.map(labelOf)).toEqual(['1', '2', '3']);
    expect(from).toBe(cursor + 5);
    for (const n of ['4', '5']) a.publish(['a'], ended(n));
    await settleByMarker(a, b);
    expect(live.events.map(labelOf)).toEqual(['4', '5']);
    expect(live.events[0]!.id).toBeGreaterThan(from);
  });

  it('carries transient events to other instances but keeps none for replay', async () => {
    const a = await instance();
    const b = await instance();
    const live = collect();
    const { cursor } = await b.subscribe(['a'], live.listener);
    a.publish(['a'], ended('progress'), { transient: true });
    await settleByMarker(a, b);
    expect(live.events.map(labelOf)).toEqual(['progress']);
    expect((await b.subscribe(['a'], () => undefined, cursor)).missed).toEqual([]);
  });

  it('answers null rather than a list with a gap once the stream has dropped old events', async () => {
    const a = await instance({ capacity: 100 });
    const b = await instance({ capacity: 100 });
    const { cursor } = await a.subscribe(['a'], () => undefined);
    for (let n = 1; n <= 400; n++) a.publish(['a'], ended(String(n)));
    await settleByMarker(a, b);
    expect((await b.subscribe(['a'], () => undefined, cursor)).missed).toBeNull();
    let complete = 0;
    for (let since = cursor; since <= cursor + 400; since += 7) {
      const { missed } = await b.subscribe(['a'], () => undefined, since);
      if (missed === null) continue;
      complete++;
      // Whatever is given is everything after `since`.
      expect(missed.map(labelOf)).toEqual(
        Array.from({ length: cursor + 400 - since }, (_, i) => String(since - cursor + i + 1)),
      );
    }
    // At least the capacity is kept.
    expect(complete).toBeGreaterThanOrEqual(Math.floor(100 / 7));
  });

  it('tells a client holding a cursor from before the keys were lost to resync', async () => {
    const a = await instance();
    a.publish(['a'], ended('1'));
    const { cursor } = await a.subscribe(['a'], () => undefined);
    await dropRedisPrefix(url, prefix);
    const b = await instance();
    expect((await b.subscribe(['a'], () => undefined, cursor)).missed).toBeNull();
    expect((await b.subscribe(['a'], () => undefined)).cursor).toBeGreaterThan(cursor);
  });

  it('numbers events from the clock, like the memory bus, within what a number holds exactly', async () => {
    const a = await instance();
    const { cursor } = await a.subscribe(['a'], () => undefined);
    expect(cursor).toBeGreaterThan((Date.now() - 60_000) * 1000);
    expect(Number.isSafeInteger(cursor + 1_000_000)).toBe(true);
  });
});

describe.runIf(testRedisUrl())('RedisEventBus when Redis goes away', () => {
  const prefix = testRedisPrefix();
  const links: RedisLink[] = [];
  afterAll(async () => {
    for (const link of links) await link.close();
  });

  async function instance(at: string, options: RedisEventBusOptions = {}): Promise<EventBus> {
    const link = await RedisLink.connect(at, prefix, quiet);
    links.push(link);
    return RedisEventBus.start(link, options);
  }

  it('fills in from the stream what a dropped subscriber connection missed', async () => {
    const own = await startOwnRedis();
    try {
      const a = await instance(own.url);
      const b = await instance(own.url);
      const live = collect();
      await b.subscribe(['a'], live.listener);
      a.publish(['a'], ended('1'));
      await settleByMarker(a, b);
      // Every subscriber connection is cut; b's reconnects on its own.
      const admin = new Redis(own.url);
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      a.publish(['a'], ended('2'));
      a.publish(['a'], ended('3'));
      await vi.waitFor(() => expect(live.events.map(labelOf)).toEqual(['1', '2', '3']), { timeout: 3000 });
      a.publish(['a'], ended('4'));
      await settleByMarker(a, b);
      expect(live.events.map(labelOf)).toEqual(['1', '2', '3', '4']);
      admin.disconnect();
    } finally {
      await own.kill();
    }
  });

  it('publishes without throwing while Redis is away, and says so once', async () => {
    const own = await startOwnRedis();
    const errors: unknown[] = [];
    const a = await instance(own.url, { onRedisError: (err) => errors.push(err) });
    await own.kill();
    expect(() => {
      for (let n = 0; n < 5; n++) a.publish(['a'], ended(String(n)));
    }).not.toThrow();
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors).toHaveLength(1);
  });
});
