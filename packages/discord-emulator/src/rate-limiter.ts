import { createHash } from 'node:crypto';
import { DiscordError } from './discord-error.js';
import type { BucketLimit, BucketName, EmulatorLimits } from './limits.js';
import type { ClosedWindow, SlotLedger } from './slot-ledger.js';
import type { VirtualClock } from './virtual-clock.js';

interface Window {
  used: number;
  openedAt: number;
  resetAt: number;
  /** Its end was told to the slot ledger already (at a stats read, before a next window opened). */
  settled?: boolean;
}

export type RateLimitScope = 'user' | 'global' | 'shared';

/** A 429 in Discord's shape: `{ message, retry_after, global }` plus Retry-After and the scope. */
export class RateLimitedError extends DiscordError {
  constructor(
    readonly scope: RateLimitScope,
    readonly retryAfterMs: number,
    headers: Record<string, string>,
  ) {
    super(
      429,
      0,
      scope === 'shared' ? 'The resource is being rate limited.' : 'You are being rate limited.',
      undefined,
      {
        ...headers,
        // DJS reads only the header, in whole seconds, so it must never round down to 0.
        'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
        'x-ratelimit-scope': scope,
        ...(scope === 'global' ? { 'x-ratelimit-global': 'true' } : {}),
      },
    );
  }

  override body(): Record<string, unknown> {
    return {
      message: this.message,
      retry_after: seconds(this.retryAfterMs),
      global: this.scope === 'global',
    };
  }
}

/** The webhook id of a webhook execute bucket's key (`route:<caller>:webhookExecute:<id>`). */
function executeWebhook(key: string): string | undefined {
  const parts = key.split(':');
  return parts[0] === 'route' && parts.at(-2) === 'webhookExecute' ? parts.at(-1) : undefined;
}

/** Seconds with at most three decimals, as Discord writes them (e.g. 64.57). */
function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Discord's opaque bucket id: stable per bucket, without the top-level resource in it. */
export function bucketHash(name: string): string {
  return createHash('md5').update(`idrive-emulator:${name}`).digest('hex');
}

/**
 * Fixed-window counters, as Discord's headers describe them: a window opens with its first request
 * and closes `windowMs` later. Per-route buckets are keyed by (caller, bucket, top-level resource);
 * the global one by caller; the hidden webhook limit by channel alone, whoever sends.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly limits: EmulatorLimits,
    /** Told how webhooks used their windows, for `stats().channels`. */
    private readonly ledger?: SlotLedger,
  ) {}

  get enabled(): boolean {
    return this.limits.rateLimits.enabled;
  }

  clear(): void {
    this.windows.clear();
  }

  /**
   * Counts a request against a route bucket. Returns the X-RateLimit-* headers to send, or throws a
   * user-scope 429 (which does not use up a request).
   */
  take(caller: string, bucket: BucketName, major: string): Record<string, string> {
    const open = this.check(caller, bucket, major);
    if (!open) return {};
    open.window.used += 1;
    return open.spec.sendHeaders ? this.headers(bucket, open.spec, open.window, open.now) : {};
  }

  /**
   * What `take` would do, without counting: throws the same 429 or returns the current headers.
   * Lets a request be checked against two limits before either is used up.
   */
  peek(caller: string, bucket: BucketName, major: string): Record<string, string> {
    const open = this.check(caller, bucket, major);
    if (!open) return {};
    return open.spec.sendHeaders ? this.headers(bucket, open.spec, open.window, open.now) : {};
  }

  /** The bucket's window if a request may go now (null when limits are off); else the 429. */
  private check(caller: string, bucket: BucketName, major: string) {
    if (!this.enabled) return null;
    const spec = this.limits.rateLimits.buckets[bucket];
    const window = this.window(`route:${caller}:${bucket}:${major}`, spec.windowMs);
    const now = this.clock.now();
    if (window.used >= spec.limit) {
      if (bucket === 'webhookExecute') this.ledger?.refused(major, now, window.resetAt);
      throw new RateLimitedError('user', window.resetAt - now, this.headers(bucket, spec, window, now));
    }
    return { spec, window, now };
  }

  /** The global per-caller limit; a 429 here carries no bucket headers. */
  takeGlobal(caller: string): void {
    if (!this.enabled) return;
    const { limit, windowMs } = this.limits.rateLimits.global;
    const window = this.window(`global:${caller}`, windowMs);
    if (window.used >= limit) {
      throw new RateLimitedError('global', window.resetAt - this.clock.now(), {});
    }
    window.used += 1;
  }

  /**
   * The unannounced per-channel webhook limit. Its 429 is scope `shared` and carries the webhook
   * bucket's normal headers, which still show requests left, as observed (discord-api-docs#1454).
   */
  takeShared(channelId: string, routeHeaders: Record<string, string>): void {
    if (!this.enabled) return;
    const spec = this.limits.rateLimits.buckets.webhookChannelShared;
    const window = this.window(`shared:${channelId}`, spec.windowMs);
    const now = this.clock.now();
    if (window.used >= spec.limit) {
      this.ledger?.refused(channelId, now, window.resetAt);
      throw new RateLimitedError('shared', window.resetAt - now, routeHeaders);
    }
    window.used += 1;
    if (window.used >= spec.limit) this.ledger?.channelFilled(channelId, now, window.resetAt);
  }

  /** Tells the slot ledger of webhook windows that have ended but were not followed by another yet. */
  settle(): void {
    const now = this.clock.now();
    for (const [key, window] of this.windows) {
      if (now >= window.resetAt && !window.settled) {
        window.settled = true;
        this.windowEnded(key, window);
      }
    }
  }

  private window(key: string, windowMs: number): Window {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || now >= window.resetAt) {
      if (window) {
        if (!window.settled) this.windowEnded(key, window);
        const webhook = executeWebhook(key);
        if (webhook !== undefined) this.ledger?.gap(webhook, this.closedWindow(window), now);
      }
      window = { used: 0, openedAt: now, resetAt: now + windowMs };
      this.windows.set(key, window);
      if (this.windows.size > 50_000) this.sweep(now);
    }
    return window;
  }

  private windowEnded(key: string, window: Window): void {
    const webhook = executeWebhook(key);
    if (webhook !== undefined) this.ledger?.windowEnded(webhook, this.closedWindow(window));
  }

  private closedWindow(window: Window): ClosedWindow {
    const { limit, windowMs } = this.limits.rateLimits.buckets.webhookExecute;
    return { openedAt: window.openedAt, resetAt: window.resetAt, used: window.used, limit, windowMs };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now < window.resetAt) continue;
      if (!window.settled) this.windowEnded(key, window);
      this.windows.delete(key);
    }
  }

  private headers(name: BucketName, spec: BucketLimit, window: Window, now: number): Record<string, string> {
    const resetAfter = Math.max(0, window.resetAt - now);
    return {
      'x-ratelimit-limit': String(spec.limit),
      'x-ratelimit-remaining': String(Math.max(0, spec.limit - window.used)),
      'x-ratelimit-reset': (window.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': (resetAfter / 1000).toFixed(3),
      'x-ratelimit-bucket': bucketHash(name),
    };
  }
}
