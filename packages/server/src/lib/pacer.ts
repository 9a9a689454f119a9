/**
 * Passes on the latest of a changing figure (a transfer's progress) at most once per interval: the
 * first goes out at once, later ones wait for the interval to pass, and the latest always goes out
 * within one interval. Figures come far more often than anyone should be told of them (a transfer
 * moves in pieces of 64 KiB or so).
 */
export class Pacer<T> {
  private latest: T | undefined;
  private sentAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly send: (value: T) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  update(value: T): void {
    this.latest = value;
    if (this.timer) return;
    const wait = this.sentAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, wait);
    this.timer.unref();
  }

  /** Nothing more goes out: a figure still waiting is dropped. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.latest = undefined;
  }

  private fire(): void {
    this.sentAt = this.now();
    const value = this.latest as T;
    this.latest = undefined;
    this.send(value);
  }
}
