/**
 * Transfer speed over a sliding window, so the speed and time left follow the recent pace rather
 * than the average since the start (which hides a stall or a speed-up for minutes).
 */
export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  /** Record the running total of bytes sent at time `at` (ms). */
  add(bytes: number, at: number): void {
    this.samples.push({ at, bytes });
    const oldest = at - this.windowMs;
    // Keep one sample older than the window so the span covers the whole window.
    while (this.samples.length > 2 && this.samples[1]!.at <= oldest) this.samples.shift();
  }

  /** Bytes per second over the window; 0 until two samples half a second apart exist. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 500) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  reset(): void {
    this.samples = [];
  }
}

/** Whole seconds until `remaining` bytes are sent at `rate` bytes/s; null when unknown (no pace yet). */
export function secondsLeft(remaining: number, rate: number): number | null {
  if (remaining <= 0) return 0;
  if (!(rate > 0)) return null;
  return Math.ceil(remaining / rate);
}
