import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { DriveEvent } from '@idrive/shared';
import type { EventBus, NewEvent } from '../../src/events/event-bus.js';

export interface BusOptions {
  onListenerError?: (err: unknown) => void;
}

/** How a test gets buses of one implementation. */
export interface BusHarness {
  /** A bus of the drive under test (for a shared bus: another instance of the same drive). */
  open(options?: BusOptions): Promise<EventBus>;
  /** Resolves once `listening` has heard every event `publisher` published so far. */
  settle(publisher: EventBus, listening: EventBus): Promise<void>;
}

// The bus carries events without looking inside them; the session id is just a label here.
export const ended = (label: string): NewEvent => ({ type: 'session.ended', sessionIds: [label] });
export const labelOf = (event: DriveEvent) =>
  event.type === 'session.ended' ? event.sessionIds[0] : event.type;

export function collect(): { events: DriveEvent[]; listener: (e: DriveEvent) => void } {
  const events: DriveEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

/** Waits until a marker published after everything else has come round on a topic of its own. */
export async function settleByMarker(publisher: EventBus, listening: EventBus): Promise<void> {
  const topic = `settle:${randomUUID()}`;
  let heard!: () => void;
  const arrived = new Promise<void>((resolve) => (heard = resolve));
  const subscription = await listening.subscribe([topic], () => heard());
  publisher.publish([topic], ended('marker'));
  await arrived;
  subscription.close();
}

/** What every EventBus does, whichever way it carries events. */
export function eventBusBehaviour(harness: () => BusHarness): void {
  it('delivers to subscribers of any of the topics, once each, with increasing ids', async () => {
    const bus = await harness().open();
    const both = collect();
    const onlyB = collect();
    const other = collect();
    await bus.subscribe(['a', 'b'], both.listener);
    await bus.subscribe(['b'], onlyB.listener);
    await bus.subscribe(['c'], other.listener);
    bus.publish(['a', 'b'], ended('1'));
    bus.publish(['b'], ended('2'));
    await harness().settle(bus, bus);
    expect(both.events.map(labelOf)).toEqual(['1', '2']);
    expect(onlyB.events.map(labelOf)).toEqual(['1', '2']);
    expect(other.events).toEqual([]);
    expect(both.events[1]!.id).toBe(both.events[0]!.id + 1);
    expect(Date.parse(both.events[0]!.at)).not.toBeNaN();
  });

  it('stops delivering once a subscription is closed', async () => {
    const bus = await harness().open();
    const seen = collect();
    const subscription = await bus.subscribe(['a'], seen.listener);
    bus.publish(['a'], ended('1'));
    await harness().settle(bus, bus);
    subscription.close();
    bus.publish(['a'], ended('2'));
    await harness().settle(bus, bus);
    expect(seen.events.map(labelOf)).toEqual(['1']);
  });

  it('returns what was published after a cursor, on the subscribed topics only', async () => {
    const bus = await harness().open();
    const { cursor } = await bus.subscribe(['a'], () => undefined);
    bus.publish(['a'], ended('1'));
    bus.publish(['other'], ended('2'));
    bus.publish(['x', 'a'], ended('3'));
    bus.publish(['a'], ended('4'), { transient: true });
    const { missed, cursor: now } = await bus.subscribe(['a'], () => undefined, cursor);
    expect(missed?.map(labelOf)).toEqual(['1', '3']);
    expect(now).toBe(cursor + 4);
    const later = await bus.subscribe(['a'], () => undefined, missed![0]!.id);
    expect(later.missed?.map(labelOf)).toEqual(['3']);
    expect((await bus.subscribe(['a'], () => undefined, now)).missed).toEqual([]);
    expect((await bus.subscribe(['a'], () => undefined, now + 100)).missed).toBeNull();
  });

  it('hands live events after the cursor to a subscriber that caught up, none twice', async () => {
    const bus = await harness().open();
    const { cursor } = await bus.subscribe(['a'], () => undefined);
    bus.publish(['a'], ended('1'));
    bus.publish(['a'], ended('2'), { transient: true });
    const live = collect();
    const caughtUp = bus.subscribe(['a'], live.listener, cursor);
    // Published while the subscription is being set up: either missed or live, never both.
    bus.publish(['a'], ended('3'));
    const { missed, cursor: from } = await caughtUp;
    bus.publish(['a'], ended('4'));
    await harness().settle(bus, bus);
    expect(missed!.every((e) => e.id <= from)).toBe(true);
    expect(live.events.every((e) => e.id > from)).toBe(true);
    expect([...missed!, ...live.events].map(labelOf)).toEqual(['1', '3', '4']);
  });

  it('keeps delivering when a listener throws', async () => {
    const errors: unknown[] = [];
    const bus = await harness().open({ onListenerError: (err) => errors.push(err) });
    const seen = collect();
    await bus.subscribe(['a'], () => {
      throw new Error('broken socket');
    });
    await bus.subscribe(['a'], seen.listener);
    bus.publish(['a'], ended('1'));
    await harness().settle(bus, bus);
    expect(seen.events).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });
}
