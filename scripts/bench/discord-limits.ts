// What Discord's message limits allow, worked out from the limits alone: fixed windows that open at
// their first request, as the emulator (and, as observed, Discord) count them — per webhook `limit`
// per `windowMs`, and per channel a shared bucket, with one webhook per channel.
import type { BucketLimit } from '@idrive/discord-emulator';

/** A bucket's count and window: all the arithmetic needs. */
type Bucket = Pick<BucketLimit, 'limit' | 'windowMs'>;

export interface ChannelLimits {
  webhook: Bucket;
  channel: Bucket;
}

class FixedWindow {
  private start = -Infinity;
  private used = 0;
  constructor(private readonly bucket: Bucket) {}

  /** The earliest time at or after `t` this bucket lets a request through. */
  nextFree(t: number): number {
    return t >= this.start + this.bucket.windowMs || this.used < this.bucket.limit
      ? t
      : this.start + this.bucket.windowMs;
  }

  take(t: number): void {
    if (t >= this.start + this.bucket.windowMs) Object.assign(this, { start: t, used: 0 });
    this.used++;
  }
}

/** One channel with its webhook: both buckets must let a message through. */
class ChannelWindows {
  private readonly hook: FixedWindow;
  private readonly channel: FixedWindow;
  constructor(limits: ChannelLimits) {
    this.hook = new FixedWindow(limits.webhook);
    this.channel = new FixedWindow(limits.channel);
  }

  nextFree(t: number): number {
    return Math.max(this.hook.nextFree(t), this.channel.nextFree(t));
  }

  take(t: number): void {
    this.hook.take(t);
    this.channel.take(t);
  }
}

/** The least time (ms) `messages` messages spread over `channels` channels can take. */
export function minimalSendMs(messages: number, channels: number, limits: ChannelLimits): number {
  const all = Array.from({ length: channels }, () => new ChannelWindows(limits));
  let last = 0;
  for (let i = 0; i < messages; i++) {
    const options = all.map((c) => ({ c, t: c.nextFree(0) }));
    const best = options.reduce((a, b) => (b.t < a.t ? b : a));
    best.c.take(best.t);
    last = Math.max(last, best.t);
  }
  return last;
}
