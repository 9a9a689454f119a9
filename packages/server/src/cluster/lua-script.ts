import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script Redis runs atomically: sent once by its SHA-1 (EVALSHA), and in full only when this
 * Redis has not seen it yet (a restart or SCRIPT FLUSH empties its cache).
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
