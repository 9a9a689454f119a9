import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { useSelectionStore } from './selection';

const entries = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id }));
const selected = () => [...useSelectionStore().ids].sort();

describe('selection', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('a click selects just that entry; Ctrl+click toggles others in and out', () => {
    const s = useSelectionStore();
    s.only('b');
    s.only('c');
    expect(selected()).toEqual(['c']);
    s.toggle('e');
    s.toggle('a');
    expect(selected()).toEqual(['a', 'c', 'e']);
    s.toggle('c');
    expect(selected()).toEqual(['a', 'e']);
  });

  it('Shift+click selects the range from the anchor, both ways, and replaces the previous range', () => {
    const s = useSelectionStore();
    s.only('b');
    s.range('d', entries);
    expect(selected()).toEqual(['b', 'c', 'd']);
    // The anchor stays at b: a second Shift+click re-draws the range instead of growing it.
    s.range('a', entries);
    expect(selected()).toEqual(['a', 'b']);
  });

  it('Ctrl+Shift+click adds a range to what was selected', () => {
    const s = useSelectionStore();
    s.only('a');
    s.toggle('e');
    s.range('f', entries, true);
    expect(selected()).toEqual(['a', 'e', 'f']);
  });

  it('a range without an anchor starts at the clicked entry', () => {
    const s = useSelectionStore();
    s.range('c', entries);
    expect(selected()).toEqual(['c']);
    s.range('e', entries);
    expect(selected()).toEqual(['c', 'd', 'e']);
  });

  it('select all, clear, and prune of entries that left the listing', () => {
    const s = useSelectionStore();
    s.selectAll(entries);
    expect(s.count).toBe(6);
    s.prune(entries.filter((e) => e.id !== 'b' && e.id !== 'f'));
    expect(selected()).toEqual(['a', 'c', 'd', 'e']);
    expect(s.pick(entries).map((e) => e.id)).toEqual(['a', 'c', 'd', 'e']);
    s.clear();
    expect(s.count).toBe(0);
  });

  it('touch mode starts with a long press and ends when nothing is selected', () => {
    const s = useSelectionStore();
    s.startTouchMode('c');
    expect(s.touchMode).toBe(true);
    s.toggle('d');
    s.toggle('c');
    expect(s.touchMode).toBe(true);
    s.toggle('d');
    expect(s.touchMode).toBe(false);
  });
});
