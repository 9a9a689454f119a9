import type { DriveEvent } from '@idrive/shared';

/** An event as a publisher hands it over; the bus stamps its id and time. */
export type NewEvent = DriveEvent extends infer E
  ? E extends DriveEvent
    ? Omit<E, 'id' | 'at'>
    : never
  : never;

export interface PublishOptions {
  /**
   * Not kept for replay: a state that the next event of its kind replaces (upload progress), or a
   * notice that only matters to sockets open now.
   */
  transient?: boolean;
}

export interface Subscription {
  /** Events after `since` on the subscribed topics, oldest first; null when some are no longer kept. */
  missed: DriveEvent[] | null;
  /** The newest event id when the subscription started: what a client continues from. */
  cursor: number;
  close(): void;
}

/**
 * Fan-out of events by topic (see topics.ts). A listener subscribed to several topics gets an event
 * published to several of them once. Publishing never waits and never fails the change that caused it.
 */
export interface EventBus {
  publish(topics: readonly string[], event: NewEvent, options?: PublishOptions): void;
  /**
   * Delivers every event published to any of `topics` from now on. With `since`, the events after it
   * are returned as `missed`, with no gap and no overlap between them and the live ones.
   */
  subscribe(
    topics: readonly string[],
    listener: (event: DriveEvent) => void,
    since?: number,
  ): Promise<Subscription>;
}
