/**
 * Things held open at once (connections, sockets, archive plans), counted per key (an address, a
 * user), at most `max` per key. A slot is taken before the work starts, so parallel requests cannot
 * all pass a check that none of them has been counted in yet.
 */
export class SlotCounter {
  private readonly open = new Map<string, number>();

  /** `max` 0 turns the cap off: every take succeeds and nothing is counted. */
  constructor(readonly max: number) {}

  /**
   * Takes a slot for `key`, or returns null when the key already holds `max`. The returned release
   * gives the slot back; calling it again does nothing, so every way a thing can end may call it.
   */
  take(key: string): (() => void) | null {
    if (this.max <= 0) return () => undefined;
    const held = this.open.get(key) ?? 0;
    if (held >= this.max) return null;
    this.open.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /** Slots `key` holds now. */
  held(key: string): number {
    return this.open.get(key) ?? 0;
  }
}

/** Takes a slot on every counter, or none when any is full (then `full` names the one that was). */
export function takeAll(
  slots: readonly { counter: SlotCounter; key: string }[],
): { release: () => void } | { full: SlotCounter } {
  const taken: (() => void)[] = [];
  for (const { counter, key } of slots) {
    const release = counter.take(key);
    if (!release) {
      for (const r of taken) r();
      return { full: counter };
    }
    taken.push(release);
  }
  return { release: () => taken.forEach((r) => r()) };
}
