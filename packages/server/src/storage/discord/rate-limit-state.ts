/**
 * What the scheduler knows about Discord's limits, by key: `route:<bucket>:<resource>` for the limits
 * Discord announces in headers, `channel:<id>` for the unannounced per-channel webhook limit, and
 * `global:<bot or "ip">` for the 50 requests per second. Kept per process for now; a Redis
 * implementation of this interface shares it between instances.
 */
export interface RateLimitState {
  /** Milliseconds until a request touching all these keys may be sent (0: now). */
  wait(keys: string[], now: number): number;
  /** Counts a request as sent on these keys. */
  take(keys: string[], now: number): void;
  /** What a response's X-RateLimit headers said about a key. */
  learn(key: string, remaining: number, resetAt: number): void;
  /** No request on this key before `until` (a 429's Retry-After). */
  block(key: string, until: number): void;
  /** Counts an invalid request (401, 403, a 429 not scoped `shared`). */
  recordInvalid(now: number): void;
  /** Invalid requests in the current window (Discord bans an IP past 10,000 per 10 minutes). */
  invalidCount(now: number): number;
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

interface Announced {
  remaining: number;
  resetAt: number;
}

export class MemoryRateLimitState implements RateLimitState {
  private readonly announced = new Map<string, Announced>();
  private readonly blocked = new Map<string, number>();
  private readonly sent = new Map<string, number[]>();
  private invalids: number[] = [];

  constructor(private readonly pacing: Pacing) {}

  wait(keys: string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      wait = Math.max(wait, (this.blocked.get(key) ?? 0) - now);
      const known = this.announced.get(key);
      if (known && known.remaining <= 0) wait = Math.max(wait, known.resetAt - now);
      const window = this.windowFor(key);
      if (window) {
        const recent = this.recent(key, now, window.windowMs);
        if (recent.length >= window.limit)
          wait = Math.max(wait, recent[recent.length - window.limit]! + window.windowMs - now);
      }
    }
    return Math.max(0, wait);
  }

  take(keys: string[], now: number): void {
    for (const key of keys) {
      const known = this.announced.get(key);
      if (known) {
        if (now >= known.resetAt) this.announced.delete(key);
        else known.remaining--;
      }
      if (this.windowFor(key))
        this.sent.set(key, [...this.recent(key, now, this.windowFor(key)!.windowMs), now]);
    }
  }

  learn(key: string, remaining: number, resetAt: number): void {
    this.announced.set(key, { remaining, resetAt });
  }

  block(key: string, until: number): void {
    this.blocked.set(key, Math.max(until, this.blocked.get(key) ?? 0));
  }

  recordInvalid(now: number): void {
    this.invalidCount(now);
    this.invalids.push(now);
  }

  invalidCount(now: number): number {
    this.invalids = this.invalids.filter((t) => t > now - this.pacing.invalidWindowMs);
    return this.invalids.length;
  }

  private windowFor(key: string): WindowLimit | undefined {
    if (key.startsWith('channel:')) return this.pacing.channel;
    if (key.startsWith('global:')) return this.pacing.global;
    return undefined;
  }

  private recent(key: string, now: number, windowMs: number): number[] {
    return (this.sent.get(key) ?? []).filter((t) => t > now - windowMs);
  }
}
