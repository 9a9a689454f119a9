import type { EmulatorLimits } from './limits.js';
import type { VirtualClock } from './virtual-clock.js';

/**
 * Discord's "Cloudflare ban": 401, 403 and non-shared 429 answers are counted per IP in a sliding
 * window; past the threshold the IP is refused everything for `banMs`.
 */
export class InvalidRequestTracker {
  private readonly hits = new Map<string, number[]>();
  private readonly bans = new Map<string, number>();
  total = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly limits: EmulatorLimits,
  ) {}

  clear(): void {
    this.hits.clear();
    this.bans.clear();
    this.total = 0;
  }

  /** Counts one invalid answer; returns true when it started a ban. */
  record(ip: string): boolean {
    this.total += 1;
    const config = this.limits.invalidRequests;
    if (!config.enabled) return false;
    const now = this.clock.now();
    const times = this.prune(ip, now);
    times.push(now);
    this.hits.set(ip, times);
    if (times.length > config.threshold) {
      this.bans.set(ip, now + config.banMs);
      this.hits.delete(ip);
      return true;
    }
    return false;
  }

  /** Invalid answers to `ip` inside the current window. */
  count(ip: string): number {
    return this.prune(ip, this.clock.now()).length;
  }

  isBanned(ip: string): boolean {
    const until = this.bans.get(ip);
    if (until === undefined) return false;
    if (this.clock.now() < until) return this.limits.invalidRequests.enabled;
    this.bans.delete(ip);
    return false;
  }

  bannedUntil(ip: string): number | undefined {
    return this.isBanned(ip) ? this.bans.get(ip) : undefined;
  }

  private prune(ip: string, now: number): number[] {
    const times = this.hits.get(ip) ?? [];
    const cutoff = now - this.limits.invalidRequests.windowMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= cutoff) drop += 1;
    if (drop > 0) times.splice(0, drop);
    return times;
  }
}
