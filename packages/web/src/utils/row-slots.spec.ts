import { describe, expect, it } from 'vitest';
import { RowSlots } from './row-slots';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('RowSlots', () => {
  it('gives the rows first rendered the slots 0, 1, 2, …', () => {
    expect(new RowSlots().assign(range(10, 15))).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps a row in its slot while it stays rendered; a row coming in takes the slot one left', () => {
    const slots = new RowSlots();
    slots.assign(range(0, 5));
    // Scrolled down by two rows: 0 and 1 left, 5 and 6 came in.
    expect(slots.assign(range(2, 7))).toEqual([2, 3, 4, 0, 1]);
    expect(slots.assign(range(3, 8))).toEqual([3, 4, 0, 1, 2]);
  });

  it('keeps a focused row far from the rest in its slot while everything else is replaced', () => {
    const slots = new RowSlots();
    slots.assign(range(0, 5));
    // Row 2 has focus and stays rendered; a fling replaces the others.
    const keys = slots.assign([2, ...range(1000, 1004)]);
    expect(keys[0]).toBe(2);
    expect(new Set(keys).size).toBe(5);
    expect(keys.slice(1)).toEqual([0, 1, 3, 4]);
  });

  it('grows and shrinks with the number of rows without giving one slot to two rows', () => {
    const slots = new RowSlots();
    slots.assign(range(0, 3));
    const more = slots.assign(range(1, 8));
    expect(new Set(more).size).toBe(7);
    expect(more.slice(0, 2)).toEqual([1, 2]);
    const fewer = slots.assign(range(6, 8));
    expect(fewer).toEqual(more.slice(5));
  });
});
