import { describe, expect, it } from 'vitest';
import { ended, eventBusBehaviour, labelOf } from '../../test/helpers/event-bus-behaviour.js';
import { MemoryEventBus } from './memory-event-bus.js';

describe('MemoryEventBus', () => {
  eventBusBehaviour(() => ({
    open: (options) => Promise.resolve(new MemoryEventBus(options)),
    // Listeners are called during publish.
    settle: () => Promise.resolve(),
  }));

  it('cannot replay once the ring has moved past the cursor, nor a cursor it never gave out', async () => {
    const bus = new MemoryEventBus({ capacity: 3 });
    const { cursor } = await bus.subscribe(['a'], () => undefined);
    for (const n of ['1', '2', '3']) bus.publish(['a'], ended(n));
    // Exactly full: everything after the cursor is still there.
    expect((await bus.subscribe(['a'], () => undefined, cursor)).missed?.map(labelOf)).toEqual([
      '1',
      '2',
      '3',
    ]);
    bus.publish(['other'], ended('4'));
    expect((await bus.subscribe(['a'], () => undefined, cursor)).missed).toBeNull();
    // From the oldest kept event on, it can.
    expect((await bus.subscribe(['a'], () => undefined, cursor + 1)).missed?.map(labelOf)).toEqual([
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
});
