import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../test/helpers/test-redis.js';
import { RedisLink } from './redis-link.js';
import { RedisLock } from './redis-lock.js';

const url = testRedisUrl();
const quiet = { info: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(url)('RedisLock', () => {
  const prefix = testRedisPrefix();
  // Two instances: two links to one Redis under one prefix.
  let a: RedisLink;
  let b: RedisLink;
  const options = { namespace: 'lock', ttlMs: 300, waitMs: 100, busy: () => new Error('busy') };

  beforeAll(async () => {
    a = await RedisLink.connect(url!, prefix, quiet);
    b = await RedisLink.connect(url!, prefix, quiet);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await dropRedisPrefix(url!, prefix);
  });

  it('lets one holder at a time in, renewing the hold for as long as it runs', async () => {
    const lockA = new RedisLock(a, options);
    const lockB = new RedisLock(b, options);
    let release!: () => void;
    const holding = lockA.run('k1', async (held) => {
      await new Promise<void>((resolve) => (release = resolve));
      return held.aborted;
    });
    await sleep(20);
    // Several TTLs later, B is still refused after its wait.
    for (let i = 0; i < 4; i++) {
      await expect(lockB.run('k1', async () => 'got it')).rejects.toThrow('busy');
      await sleep(150);
    }
    // Other keys are free.
    expect(await lockB.run('k2', async () => 'other')).toBe('other');
    release();
    expect(await holding).toBe(false);
    expect(await lockB.run('k1', async () => 'got it')).toBe('got it');
  });

  it('waits for a holder that lets go within the wait', async () => {
    const lockA = new RedisLock(a, options);
    const lockB = new RedisLock(b, { ...options, waitMs: 2000 });
    const order: string[] = [];
    const first = lockA.run('k3', async () => {
      await sleep(200);
      order.push('a');
    });
    await sleep(20);
    await lockB.run('k3', async () => order.push('b'));
    await first;
    expect(order).toEqual(['a', 'b']);
  });

  it('frees the lock of a holder that died once its TTL runs out, and tells a holder that lost it', async () => {
    const key = a.key('lock:k4');
    // What a killed instance leaves: its token, never renewed.
    await a.client.set(key, 'dead-holder', 'PX', options.ttlMs);
    const lockB = new RedisLock(b, { ...options, waitMs: 1000 });
    const began = Date.now();
    const signal = await lockB.run('k4', async (held) => {
      // Someone takes the key over (as if B had been frozen past its TTL): B's next renewal sees it.
      await b.client.set(key, 'someone-else');
      await sleep(options.ttlMs);
      return held;
    });
    expect(Date.now() - began).toBeGreaterThanOrEqual(options.ttlMs - 100);
    expect(signal.aborted).toBe(true);
    // B's release did not delete the other holder's key.
    expect(await a.client.get(key)).toBe('someone-else');
  });
});
