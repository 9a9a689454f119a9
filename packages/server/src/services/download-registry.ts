/** One response of a download, recorded while it is sent. */
export interface DownloadHold {
  release(): void;
}

/**
 * The downloads being sent, so that a cancel reaches the response wherever it is sent from. Keys
 * name a user's download (`<user id>:<download id>`), so one user's cancel can only find their own.
 */
export interface DownloadRegistry {
  /**
   * Records that this instance sends a response of `key` until `release`; a cancel then calls
   * `onCancel`. Null when `key` was cancelled: it must not be sent again (a browser retries a
   * download cut short by itself, with Range, at the same address).
   */
  hold(key: string, onCancel: () => void): Promise<DownloadHold | null>;
  /**
   * Ends every response of `key`, on whichever instance sends it, and refuses it from then on;
   * false, changing nothing, when no response of `key` is being sent.
   */
  cancel(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * How long a cancelled download stays refused: past the browser's own retries, and about as long as
 * its downloads list offers to resume it.
 */
export const CANCELLED_KEPT_MS = 24 * 60 * 60_000;

/** The responses this process sends, by key. */
export class LocalHolds {
  private readonly held = new Map<string, Set<() => void>>();

  add(key: string, onCancel: () => void): DownloadHold {
    let set = this.held.get(key);
    if (!set) this.held.set(key, (set = new Set()));
    set.add(onCancel);
    return {
      release: () => {
        set.delete(onCancel);
        if (set.size === 0 && this.held.get(key) === set) this.held.delete(key);
      },
    };
  }

  has(key: string): boolean {
    return this.held.has(key);
  }

  keys(): string[] {
    return [...this.held.keys()];
  }

  /** Calls every `onCancel` of `key` and forgets them. */
  cancel(key: string): void {
    const set = this.held.get(key);
    this.held.delete(key);
    for (const onCancel of set ?? []) onCancel();
  }
}

/** One process: what it sends is all there is. */
export class MemoryDownloadRegistry implements DownloadRegistry {
  private readonly local = new LocalHolds();
  /** Cancelled keys, and until when they stay refused. */
  private readonly cancelled = new Map<string, number>();
  private sweptAt = 0;

  constructor(
    private readonly keptMs = CANCELLED_KEPT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  hold(key: string, onCancel: () => void): Promise<DownloadHold | null> {
    this.sweep();
    const refused = (this.cancelled.get(key) ?? 0) > this.now();
    return Promise.resolve(refused ? null : this.local.add(key, onCancel));
  }

  cancel(key: string): Promise<boolean> {
    if (!this.local.has(key)) return Promise.resolve(false);
    this.cancelled.set(key, this.now() + this.keptMs);
    this.local.cancel(key);
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** At most once a minute; the map holds one entry per cancel a user made in the last day. */
  private sweep(): void {
    const now = this.now();
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, until] of this.cancelled) if (until <= now) this.cancelled.delete(key);
  }
}
