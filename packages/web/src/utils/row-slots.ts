/**
 * Recycles the DOM rows of a virtual list. Each rendered row index is given a slot (the key its
 * element is rendered under): an index keeps its slot for as long as it stays rendered, and an index
 * coming into view takes a slot one that left gave up. Scrolling then patches the text of existing
 * elements instead of unmounting and mounting whole rows (and their listeners) every frame, while a
 * row that stays on screen, such as the focused one, keeps its element and so its focus.
 */
export class RowSlots {
  private slots = new Map<number, number>();

  /** The slot of each index, in the order given. Indices must be distinct. */
  assign(indices: readonly number[]): number[] {
    const next = new Map<number, number>();
    for (const index of indices) {
      const slot = this.slots.get(index);
      if (slot !== undefined) next.set(index, slot);
    }
    const taken = new Set(next.values());
    // Free slots in ascending order, so a fling that replaces every row keeps the elements' order.
    let free = 0;
    for (const index of indices) {
      if (next.has(index)) continue;
      while (taken.has(free)) free++;
      next.set(index, free);
      taken.add(free);
    }
    this.slots = next;
    return indices.map((index) => next.get(index)!);
  }
}
