import type { DriveEvent } from '@idrive/shared';
import type { EventBus, NewEvent, PublishOptions, Subscription } from './event-bus.js';

type Listener = (event: DriveEvent) => void;

interface Kept {
  event: DriveEvent;
  topics: readonly string[];
}

export interface MemoryEventBusOptions {
  /** How many events are kept for clients that reconnect with a cursor. */
  capacity?: number;
  now?: () => number;
  /** A listener that throws must not stop the others, nor fail the change being announced. */
  onListenerError?: (err: unknown) => void;
}

/**
 * The embedded bus: listeners are called synchronously on publish, and the last `capacity` events
 * (of every topic) are kept in a ring for replay.
 */
export class MemoryEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly ring: (Kept | undefined)[];
  private oldest = 0;
  private size = 0;
  private lastId: number;
  /** Every kept (not transient) event with an id above this one is still in the ring. */
  private horizon: number;
  private readonly now: () => number;
  private readonly onListenerError: (err: unknown) => void;

  constructor(options: MemoryEventBusOptions = {}) {
    this.ring = new Array<Kept | undefined>(options.capacity ?? 4096);
    this.now = options.now ?? Date.now;
    this.onListenerError = options.onListenerError ?? (() => undefined);
    // Ids start from the clock with room for a thousand events a millisecond, so a cursor handed out
    // by an earlier process is older than anything this one knows, and its client is told to resync.
    this.lastId = this.horizon = this.now() * 1000;
  }

  publish(topics: readonly string[], event: NewEvent, options: PublishOptions = {}): void {
    const stamped = { ...event, id: ++this.lastId, at: new Date(this.now()).toISOString() } as DriveEvent;
    if (!options.transient) this.keep({ event: stamped, topics });
    const targets = new Set<Listener>();
    for (const topic of topics) {
      for (const listener of this.listeners.get(topic) ?? []) targets.add(listener);
    }
    for (const listener of targets) {
      try {
        listener(stamped);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  subscribe(topics: readonly string[], listener: Listener, since?: number): Promise<Subscription> {
    const missed = since === undefined ? [] : this.replay(topics, since);
    for (const topic of topics) {
      let set = this.listeners.get(topic);
      if (!set) this.listeners.set(topic, (set = new Set()));
      set.add(listener);
    }
    const close = () => {
      for (const topic of topics) {
        const set = this.listeners.get(topic);
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(topic);
      }
    };
    return Promise.resolve({ missed, cursor: this.lastId, close });
  }

  private keep(kept: Kept): void {
    const capacity = this.ring.length;
    if (this.size === capacity) {
      this.horizon = this.ring[this.oldest]!.event.id;
      this.oldest = (this.oldest + 1) % capacity;
      this.size--;
    }
    this.ring[(this.oldest + this.size) % capacity] = kept;
    this.size++;
  }

  private replay(topics: readonly string[], since: number): DriveEvent[] | null {
    if (since < this.horizon || since > this.lastId) return null;
    const wanted = new Set(topics);
    const found: DriveEvent[] = [];
    for (let i = this.size - 1; i >= 0; i--) {
      const kept = this.ring[(this.oldest + i) % this.ring.length]!;
      if (kept.event.id <= since) break;
      if (kept.topics.some((topic) => wanted.has(topic))) found.push(kept.event);
    }
    return found.reverse();
  }
}
