/**
 * Runs work as it becomes available, at most `limit` pieces at once, and says when nothing is left
 * running. `next` must hand out each piece once (the queue marks a job as started before it returns).
 */
export class Scheduler<W> {
  private active = 0;

  constructor(
    private readonly limit: number,
    private readonly next: () => W | null,
    private readonly run: (work: W) => Promise<void>,
    private readonly onIdle: () => void,
  ) {}

  /** How many pieces are running now. */
  get running(): number {
    return this.active;
  }

  /** Starts what fits under the limit; call after anything was queued or finished. */
  pump(): void {
    while (this.active < this.limit) {
      const work = this.next();
      if (work === null) break;
      this.active++;
      void this.run(work)
        .catch(() => undefined)
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
    if (this.active === 0) this.onIdle();
  }
}
