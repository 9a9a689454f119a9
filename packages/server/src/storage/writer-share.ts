/**
 * The chunks a store can usefully have in flight, shared by the writers to it at the moment. One
 * upload alone keeps them all busy (on local disk, fsyncs overlap; on Discord, messages fill while
 * others are sent); several uploads split them, so that together they hold no more chunk memory
 * than one would, and no more puts wait on the store than it serves at once.
 */
export class WriterShare {
  private writers = 0;

  constructor(readonly total: number) {
    if (!Number.isSafeInteger(total) || total < 1)
      throw new RangeError('A writer share needs at least one chunk');
  }

  /** Counts a writer in until the returned function is called (a second call does nothing). */
  join(): () => void {
    this.writers++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.writers--;
    };
  }

  /** What each writer may keep in flight now: an equal part of the total, at least one. */
  get perWriter(): number {
    return Math.max(1, Math.floor(this.total / Math.max(1, this.writers)));
  }
}
