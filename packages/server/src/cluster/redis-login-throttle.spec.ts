import { afterAll, describe } from 'vitest';
import { loginThrottleBehaviour, WINDOW_MS } from '../../test/helpers/login-throttle-behaviour.js';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../test/helpers/test-redis.js';
import { RedisLink } from './redis-link.js';
import { RedisLoginThrottle } from './redis-login-throttle.js';

describe.runIf(testRedisUrl())('RedisLoginThrottle', () => {
  const url = testRedisUrl()!;
  const prefix = testRedisPrefix();
  const links: RedisLink[] = [];
  afterAll(async () => {
    for (const link of links) await link.close();
    await dropRedisPrefix(url, prefix);
  });

  // Each throttle on a connection of its own, as on another instance of the drive.
  loginThrottleBehaviour(async (clock) => {
    const link = await RedisLink.connect(url, prefix, { info: () => undefined, warn: () => undefined });
    links.push(link);
    return new RedisLoginThrottle(link, WINDOW_MS, { now: clock.now });
  });
});
