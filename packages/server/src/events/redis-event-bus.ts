import type { DriveEvent } from '@idrive/shared';
import type { Redis } from 'ioredis';
import type { RedisLink } from '../cluster/redis-link.js';
import type { EventBus, NewEvent, PublishOptions, Subscription } from './event-bus.js';
import { PUBLISH_SCRIPT, REPLAY_SCRIPT } from './redis-event-scripts.js';

type Listener = (event: DriveEvent) => void;

/** An event as it went round: its id and topics beside it. */
interface Heard {
  id: number;
  topics: readonly string[];
  event: DriveEvent;
}

/** A listener of this instance. */
interface Local {
  topics: ReadonlySet<string>;
  listener: Listener;
  /** It gets the events above this id; undefined while its replay is read, and they wait in `held`. */
  after: number | undefined;
  held: Heard[];
}

export interface RedisEventBusOptions {
  /** How many events (at least) the shared stream keeps for clients that reconnect with a cursor. */
  capacity?: number;
  now?: () => number;
  /** A listener that throws must not stop the others. */
  onListenerError?: (err: unknown) => void;
  /**
   * Redis refused or is away: a published event is dropped (the change it announces stands), or
   * catching up after a reconnection failed (the next one tries again).
   */
  onRedisError?: (err: unknown) => void;
}

const CHANNEL = 'events';
const CATCH_UP_RETRY_MS = 1000;

/**
 * The cluster bus: every instance's events go through one Redis script that numbers them from a
 * shared counter, keeps them in a bounded stream for replay (unless transient), and publishes them on
 * one channel. Each instance holds one subscriber connection and hands what it hears to its own
 * listeners, its own events included, so every listener sees the same order everywhere: the order
 * of ids. A cursor may be resumed on any instance, since the stream is shared.
 *
 * Pub/sub drops what is sent while the subscriber connection is down; when it comes back, the kept
 * events since the last one heard are read from the stream, and if they are gone too, listeners get
 * a `resync`.
 */
export class RedisEventBus implements EventBus {
  private readonly locals = new Set<Local>();
  /** Id of the newest event heard here. */
  private heard = 0;
  /** While the subscriber connection is down or catching up, what it hears waits here. */
  private waiting: Heard[] | null = null;
  private publishFailing = false;
  private catchingUp = false;
  private closed = false;
  private readonly keys: string[];
  private readonly channel: string;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly onListenerError: (err: unknown) => void;
  private readonly onRedisError: (err: unknown) => void;

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    link: RedisLink,
    options: RedisEventBusOptions,
  ) {
    this.keys = ['events:last-id', 'events:stream', 'events:horizon'].map((name) => link.key(name));
    this.channel = link.key(CHANNEL);
    this.capacity = options.capacity ?? 10_000;
    this.now = options.now ?? Date.now;
    this.onListenerError = options.onListenerError ?? (() => undefined);
    this.onRedisError = options.onRedisError ?? (() => undefined);
  }

  /** Opens the subscriber connection; resolves once this instance hears the channel. */
  static async start(link: RedisLink, options: RedisEventBusOptions = {}): Promise<RedisEventBus> {
    const subscriber = await link.connection('events');
    const bus = new RedisEventBus(link.client, subscriber, link, options);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === bus.channel) bus.hear(parseMessage(message));
    });
    subscriber.on('close', () => (bus.waiting ??= []));
    await subscriber.subscribe(bus.channel);
    bus.heard = (await bus.read(undefined)).newest;
    // Only after the first subscription: a later 'ready' is a reconnection.
    subscriber.on('ready', () => void bus.catchUp());
    return bus;
  }

  publish(topics: readonly string[], event: NewEvent, options: PublishOptions = {}): void {
    const stamped = { ...event, at: new Date(this.now()).toISOString() };
    this.client
      .eval(
        PUBLISH_SCRIPT,
        this.keys.length,
        ...this.keys,
        this.channel,
        JSON.stringify(topics),
        JSON.stringify(stamped),
        options.transient ? '1' : '0',
        this.capacity,
      )
      .then(
        () => (this.publishFailing = false),
        (err: unknown) => {
          // Once per outage: while Redis is away every change would log the same line.
          if (!this.publishFailing) this.onRedisError(err);
          this.publishFailing = true;
        },
      );
  }

  async subscribe(topics: readonly string[], listener: Listener, since?: number): Promise<Subscription> {
    const local: Local = { topics: new Set(topics), listener, after: undefined, held: [] };
    // Listening before the replay is read: whatever is published meanwhile is held, not lost.
    this.locals.add(local);
    let read: Replay;
    try {
      read = await this.read(since);
    } catch (err) {
      this.locals.delete(local);
      throw err;
    }
    local.after = read.newest;
    for (const heard of local.held.splice(0)) this.deliver(local, heard);
    return {
      missed: read.kept && read.kept.filter((kept) => matches(local, kept)).map((kept) => kept.event),
      cursor: read.newest,
      close: () => this.locals.delete(local),
    };
  }

  /** Stops hearing the channel (the connection itself closes with the link). */
  async close(): Promise<void> {
    this.closed = true;
    this.locals.clear();
    this.subscriber.removeAllListeners('ready');
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private hear(heard: Heard): void {
    if (this.waiting) {
      this.waiting.push(heard);
      return;
    }
    if (heard.id <= this.heard) return;
    this.heard = heard.id;
    for (const local of this.locals) {
      if (local.after === undefined) {
        if (matches(local, heard)) local.held.push(heard);
      } else this.deliver(local, heard);
    }
  }

  private deliver(local: Local, heard: Heard): void {
    if (heard.id <= local.after! || !matches(local, heard)) return;
    try {
      local.listener(heard.event);
    } catch (err) {
      this.onListenerError(err);
    }
  }

  /** After a reconnection: the kept events published while the connection was down, then the rest. */
  private async catchUp(): Promise<void> {
    if (this.catchingUp || this.closed) return;
    this.catchingUp = true;
    // Should the drop have gone unseen, what comes in from now on waits all the same.
    this.waiting ??= [];
    try {
      // Subscribed again before reading, so nothing falls between the read and the channel.
      await this.subscriber.subscribe(this.channel);
      const read = await this.read(this.heard);
      const waiting = this.waiting;
      this.waiting = null;
      if (read.kept) {
        for (const kept of read.kept) this.hear(kept);
      } else {
        this.tellResync(read.newest);
      }
      for (const heard of waiting) this.hear(heard);
    } catch (err) {
      this.onRedisError(err);
      // Until it succeeds nothing reaches the listeners: try again shortly.
      setTimeout(() => void this.catchUp(), CATCH_UP_RETRY_MS).unref();
    } finally {
      this.catchingUp = false;
    }
  }

  private tellResync(newest: number): void {
    this.heard = newest;
    const resync: DriveEvent = { type: 'resync', id: newest, at: new Date(this.now()).toISOString() };
    for (const local of this.locals) {
      if (local.after === undefined) continue;
      local.after = newest;
      try {
        local.listener(resync);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  private async read(since: number | undefined): Promise<Replay> {
    const [newest, entries] = (await this.client.eval(
      REPLAY_SCRIPT,
      this.keys.length,
      ...this.keys,
      since === undefined ? '' : String(since),
    )) as [number, StreamEntry[] | null];
    return { newest, kept: entries && entries.map(parseEntry) };
  }
}

interface Replay {
  newest: number;
  /** The kept events after `since`, or null when some are gone. */
  kept: Heard[] | null;
}

type StreamEntry = [id: string, fields: string[]];

function matches(local: Local, heard: Heard): boolean {
  return heard.topics.some((topic) => local.topics.has(topic));
}

function stamp(id: number, topics: readonly string[], event: object): Heard {
  return { id, topics, event: { ...event, id } as DriveEvent };
}

function parseMessage(message: string): Heard {
  const { id, t, e } = JSON.parse(message) as { id: number; t: string[]; e: object };
  return stamp(id, t, e);
}

function parseEntry([streamId, fields]: StreamEntry): Heard {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  return stamp(
    Number(streamId.split('-')[0]),
    JSON.parse(values.get('t')!) as string[],
    JSON.parse(values.get('e')!) as object,
  );
}
