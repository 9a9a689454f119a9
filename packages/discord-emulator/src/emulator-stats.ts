import type { RateLimitScope } from './rate-limiter.js';

/** Counters the control API reports; live message and attachment figures come from the state. */
export class EmulatorStats {
  /** `METHOD /route/pattern` → status → count. */
  readonly requests = new Map<string, Map<number, number>>();
  readonly rateLimited: Record<RateLimitScope, number> = { user: 0, global: 0, shared: 0 };
  largestRequestBytes = 0;
  bans = 0;
  bannedRequests = 0;

  clear(): void {
    this.requests.clear();
    Object.assign(this.rateLimited, { user: 0, global: 0, shared: 0 });
    this.largestRequestBytes = 0;
    this.bans = 0;
    this.bannedRequests = 0;
  }

  record(route: string, status: number): void {
    const byStatus = this.requests.get(route) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.requests.set(route, byStatus);
  }

  requestBody(bytes: number): void {
    if (bytes > this.largestRequestBytes) this.largestRequestBytes = bytes;
  }

  requestsJson(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [route, byStatus] of this.requests) out[route] = Object.fromEntries(byStatus);
    return out;
  }
}
