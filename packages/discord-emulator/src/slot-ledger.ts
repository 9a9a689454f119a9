/** Why a webhook's message slots went unused, per channel. */
export interface UnusedSlots {
  /** Nothing was sent although every limit allowed it (no chunk ready, or one waiting for company). */
  idle: number;
  /** A 429 had told the caller to wait (on the webhook, or the channel's shared limit). */
  backoff: number;
  /** The channel's own limit (30 a minute) was used up, so the webhook could not have sent. */
  channelFull: number;
}

export interface ChannelSlots {
  /** Messages the channel's webhooks posted, in windows that have closed. */
  used: number;
  unused: UnusedSlots;
}

/** One fixed window of a webhook's execute bucket, as the rate limiter counts it. */
export interface ClosedWindow {
  openedAt: number;
  resetAt: number;
  used: number;
  limit: number;
  windowMs: number;
}

interface Interval {
  from: number;
  until: number;
}

/**
 * The test instrument behind `stats().channels`: how much of Discord's webhook budget a client
 * left on the table. It watches the rate limiter's own fixed windows (each opens at its first
 * request), so it counts what Discord would: a window that closes with slots left, and the time
 * after a window closed before the next request opened one (at the window's rate). Time before a
 * webhook's first request and after its last window is not counted.
 */
export class SlotLedger {
  private readonly channels = new Map<string, ChannelSlots>();
  /** Last 429 per webhook id or channel id: when it was answered and until when it said to wait. */
  private readonly refusals = new Map<string, Interval>();
  /** Last time per channel its shared limit was used up, until that window's reset. */
  private readonly full = new Map<string, Interval>();

  constructor(private readonly channelOf: (webhookId: string) => string | undefined) {}

  clear(): void {
    this.channels.clear();
    this.refusals.clear();
    this.full.clear();
  }

  refused(id: string, at: number, until: number): void {
    this.refusals.set(id, { from: at, until });
  }

  channelFilled(channelId: string, at: number, until: number): void {
    this.full.set(channelId, { from: at, until });
  }

  /** A webhook's window has ended: its messages, and the slots it left. */
  windowEnded(webhookId: string, window: ClosedWindow): void {
    const channelId = this.channelOf(webhookId);
    if (channelId === undefined) return;
    const slots = this.slots(channelId);
    slots.used += window.used;
    this.lose(slots, webhookId, channelId, window.limit - window.used, window.openedAt, window.resetAt);
  }

  /** The next window opened at `openedAt`, later than the last one closed: the slots between are lost. */
  gap(webhookId: string, window: ClosedWindow, openedAt: number): void {
    const channelId = this.channelOf(webhookId);
    if (channelId === undefined || openedAt <= window.resetAt) return;
    const lost = (window.limit * (openedAt - window.resetAt)) / window.windowMs;
    this.lose(this.slots(channelId), webhookId, channelId, lost, window.resetAt, openedAt);
  }

  report(): Record<string, ChannelSlots> {
    const round = (n: number) => Math.round(n * 10) / 10;
    const out: Record<string, ChannelSlots> = {};
    for (const [id, s] of this.channels) {
      out[id] = {
        used: s.used,
        unused: {
          idle: round(s.unused.idle),
          backoff: round(s.unused.backoff),
          channelFull: round(s.unused.channelFull),
        },
      };
    }
    return out;
  }

  private lose(
    slots: ChannelSlots,
    webhookId: string,
    channelId: string,
    count: number,
    from: number,
    until: number,
  ): void {
    if (count <= 0) return;
    const overlaps = (i: Interval | undefined) => i !== undefined && i.from < until && i.until > from;
    if (overlaps(this.refusals.get(webhookId)) || overlaps(this.refusals.get(channelId)))
      slots.unused.backoff += count;
    else if (overlaps(this.full.get(channelId))) slots.unused.channelFull += count;
    else slots.unused.idle += count;
  }

  private slots(channelId: string): ChannelSlots {
    let slots = this.channels.get(channelId);
    if (!slots) {
      slots = { used: 0, unused: { idle: 0, backoff: 0, channelFull: 0 } };
      this.channels.set(channelId, slots);
    }
    return slots;
  }
}
