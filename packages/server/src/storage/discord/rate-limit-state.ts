/**
 * What the scheduler knows about Discord's limits, by key: `route:<bucket>:<resource>` for the limits
 * Discord announces in headers, `channel:<id>` for the unannounced per-channel webhook limit, and
 * `global:<bot or "ip">` for the 50 requests per second. One process keeps it in memory; instances
 * that share Discord credentials share it through Redis, so every call is asynchronous and taking a
 * slot is one atomic step (two instances must never both spend the same slot).
 */
export interface RateLimitState {
  /** Milliseconds until a request touching all these keys may be sent (0: now); takes nothing. */
  wait(keys: string[], now: number): Promise<number>;
  /**
   * Takes a slot on every one of these keys at once and answers 0, or takes none and answers how many
   * milliseconds until all of them have one.
   */
  acquire(keys: string[], now: number): Promise<number>;
  /**
   * A request on this route key was answered (or failed without an answer), with what the answer's
   * X-RateLimit headers announced, if they did.
   */
  answered(key: string, now: number, announced?: Announced): Promise<void>;
  /** No request on this key before `until` (a 429's Retry-After). */
  block(key: string, until: number, now: number): Promise<void>;
  /** Counts an invalid request (401, 403, a 429 not scoped `shared`). */
  recordInvalid(now: number): Promise<void>;
  /** Invalid requests in the current window (Discord bans an IP past 10,000 per 10 minutes). */
  invalidCount(now: number): Promise<number>;
}

/** A route's bucket as an answer's headers announce it. */
export interface Announced {
  remaining: number;
  resetAt: number;
  /** Requests per window (X-RateLimit-Limit), when announced. */
  limit?: number;
}

export interface WindowLimit {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

/** Limits we pace ourselves by before Discord tells us anything, per kind of key. */
export interface Pacing {
  channel: WindowLimit;
  global: WindowLimit;
  invalidWindowMs: number;
}

/** The sliding window a key is paced by, if any (route keys follow what Discord announces). */
export function windowFor(pacing: Pacing, key: string): WindowLimit | undefined {
  if (key.startsWith('channel:')) return pacing.channel;
  if (key.startsWith('global:')) return pacing.global;
  return undefined;
}

export class MemoryRateLimitState implements RateLimitState {
  private readonly announced = new Map<string, Announced>();
  private readonly blocked = new Map<string, number>();
  private readonly sent = new Map<string, number[]>();
  private invalids: number[] = [];

  constructor(private readonly pacing: Pacing) {}

  async wait(keys: string[], now: number): Promise<number> {
    return this.waitNow(keys, now);
  }

  async acquire(keys: string[], now: number): Promise<number> {
    const wait = this.waitNow(keys, now);
    if (wait === 0) this.take(keys, now);
    return wait;
  }

  async answered(key: string, _now: number, announced?: Announced): Promise<void> {
    if (announced) this.announced.set(key, { ...announced });
  }

  async block(key: string, until: number): Promise<void> {
    this.blocked.set(key, Math.max(until, this.blocked.get(key) ?? 0));
  }

  async recordInvalid(now: number): Promise<void> {
    this.trimInvalids(now);
    this.invalids.push(now);
  }

  async invalidCount(now: number): Promise<number> {
    return this.trimInvalids(now);
  }

  private waitNow(keys: string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      wait = Math.max(wait, (this.blocked.get(key) ?? 0) - now);
      const known = this.announced.get(key);
      if (known && known.remaining <= 0) wait = Math.max(wait, known.resetAt - now);
      const window = windowFor(this.pacing, key);
      if (window) {
        const recent = this.recent(key, now, window.windowMs);
        if (recent.length >= window.limit)
          wait = Math.max(wait, recent[recent.length - window.limit]! + window.windowMs - now);
      }
    }
    return Math.max(0, wait);
  }

  private take(keys: string[], now: number): void {
    for (const key of keys) {
      const known = this.announced.get(key);
      if (known) {
        if (now >= known.resetAt) this.announced.delete(key);
        else known.remaining--;
      }
      const window = windowFor(this.pacing, key);
      if (window) this.sent.set(key, [...this.recent(key, now, window.windowMs), now]);
    }
  }

  private trimInvalids(now: number): number {
    this.invalids = this.invalids.filter((t) => t > now - this.pacing.invalidWindowMs);
    return this.invalids.length;
  }

  private recent(key: string, now: number, windowMs: number): number[] {
    return (this.sent.get(key) ?? []).filter((t) => t > now - windowMs);
  }
}
