import { describe, expect, it } from 'vitest';
import type { DriveEvent } from '@idrive/shared';
import type { NewEvent } from './event-bus.js';
import { MemoryEventBus } from './memory-event-bus.js';

// The bus carries events without looking inside them; the session id is just a label here.
const ended = (label: string): NewEvent => ({ type: 'session.ended', sessionIds: [label] });
const sessionOf = (event: DriveEvent) => (event.type === 'session.ended' ? event.sessionIds[0] : event.type);

function collect(): { events: DriveEvent[]; listener: (e: DriveEvent) => void } {
  const events: DriveEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

describe('MemoryEventBus', () => {
  it('delivers to subscribers of any of the topics, once each, with increasing ids', async () => {
    const bus = new MemoryEventBus();
    const both = collect();
    const onlyB = collect();
    const other = collect();
    await bus.subscribe(['a', 'b'], both.listener);
    await bus.subscribe(['b'], onlyB.listener);
    await bus.subscribe(['c'], other.listener);
    bus.publish(['a', 'b'], ended('1'));
    bus.publish(['b'], ended('2'));
    expect(both.events.map(sessionOf)).toEqual(['1', '2']);
    expect(onlyB.events.map(sessionOf)).toEqual(['1', '2']);
    expect(other.events).toEqual([]);
    expect(both.events[1]!.id).toBe(both.events[0]!.id + 1);
    expect(Date.parse(both.events[0]!.at)).not.toBeNaN();
  });

  it('stops delivering once a subscription is closed', async () => {
    const bus = new MemoryEventBus();
    const seen = collect();
    const subscription = await bus.subscribe(['a'], seen.listener);
    bus.publish(['a'], ended('1'));
    subscription.close();
    bus.publish(['a'], ended('2'));
    expect(seen.events.map(sessionOf)).toEqual(['1']);
  });

  it('returns what was published after a cursor, on the subscribed topics only', async () => {
    const bus = new MemoryEventBus();
    const { cursor } = await bus.subscribe(['a'], () => undefined);
    bus.publish(['a'], ended('1'));
    bus.publish(['other'], ended('2'));
    bus.publish(['x', 'a'], ended('3'));
    bus.publish(['a'], ended('4'), { transient: true });
    const { missed, cursor: now } = await bus.subscribe(['a'], () => undefined, cursor);
    expect(missed?.map(sessionOf)).toEqual(['1', '3']);
    expect(now).toBe(cursor + 4);
    const later = await bus.subscribe(['a'], () => undefined, missed![0]!.id);
    expect(later.missed?.map(sessionOf)).toEqual(['3']);
    expect((await bus.subscribe(['a'], () => undefined, now)).missed).toEqual([]);
  });

  it('cannot replay once the ring has moved past the cursor, nor a cursor it never gave out', async () => {
    const bus = new MemoryEventBus({ capacity: 3 });
    const { cursor } = await bus.subscribe(['a'], () => undefined);
    for (const n of ['1', '2', '3']) bus.publish(['a'], ended(n));
    // Exactly full: everything after the cursor is still there.
    expect((await bus.subscribe(['a'], () => undefined, cursor)).missed?.map(sessionOf)).toEqual([
      '1',
      '2',
      '3',
    ]);
    bus.publish(['other'], ended('4'));
    expect((await bus.subscribe(['a'], () => undefined, cursor)).missed).toBeNull();
    // From the oldest kept event on, it can.
    expect((await bus.subscribe(['a'], () => undefined, cursor + 1)).missed?.map(sessionOf)).toEqual([
      '2',
      '3',
    ]);
    expect((await bus.subscribe(['a'], () => undefined, cursor + 100)).missed).toBeNull();
  });

  it("numbers a new process's events above an earlier process's", async () => {
    let clock = 1_700_000_000_000;
    const first = new MemoryEventBus({ now: () => clock });
    first.publish(['a'], ended('1'));
    const { cursor } = await first.subscribe(['a'], () => undefined);
    clock += 1;
    const second = new MemoryEventBus({ now: () => clock });
    expect((await second.subscribe(['a'], () => undefined, cursor)).missed).toBeNull();
    expect((await second.subscribe(['a'], () => undefined)).cursor).toBeGreaterThan(cursor);
  });

  it('keeps delivering when a listener throws', async () => {
    const errors: unknown[] = [];
    const bus = new MemoryEventBus({ onListenerError: (err) => errors.push(err) });
    const seen = collect();
    await bus.subscribe(['a'], () => {
      throw new Error('broken socket');
    });
    await bus.subscribe(['a'], seen.listener);
    bus.publish(['a'], ended('1'));
    expect(seen.events).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });
});
