import { RedisLink } from '../../src/cluster/redis-link.js';
import {
  MemoryRateLimitState,
  type Pacing,
  type RateLimitState,
} from '../../src/storage/discord/rate-limit-state.js';
import { RedisRateLimitState } from '../../src/storage/discord/redis-rate-limit-state.js';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from './test-redis.js';

/** One way of keeping Discord's limits, for tests that must hold for every one of them. */
export interface StateKind {
  name: string;
  /**
   * A fresh store, as `instances` instances see it: for Redis, each on a connection of its own, all
   * on the same keys; in memory there is only one process to see it.
   */
  open(pacing: Pacing, instances?: number): Promise<RateLimitState[]>;
  /** Closes what `open` opened and deletes what it stored. */
  cleanup(): Promise<void>;
}

/** Memory always; Redis when TEST_REDIS_URL is set (each kind under a prefix of its own). */
export function rateLimitStates(): StateKind[] {
  const kinds: StateKind[] = [
    {
      name: 'memory',
      open: async (pacing, instances = 1) => {
        const state = new MemoryRateLimitState(pacing);
        return Array.from({ length: instances }, () => state);
      },
      cleanup: async () => {},
    },
  ];
  const url = testRedisUrl();
  if (url) kinds.push(redisStates(url));
  return kinds;
}

function redisStates(url: string): StateKind {
  const prefixes: string[] = [];
  const links: RedisLink[] = [];
  return {
    name: 'redis',
    async open(pacing, instances = 1) {
      const prefix = testRedisPrefix();
      prefixes.push(prefix);
      const opened: RateLimitState[] = [];
      for (let i = 0; i < instances; i++) {
        const link = await RedisLink.connect(url, prefix, { info: () => {}, warn: () => {} });
        links.push(link);
        opened.push(new RedisRateLimitState(link, pacing));
      }
      return opened;
    },
    async cleanup() {
      for (const link of links.splice(0)) await link.close();
      for (const prefix of prefixes.splice(0)) await dropRedisPrefix(url, prefix);
    },
  };
}
