/**
 * The emulator's only notion of "now". Virtual time = start + advances + real elapsed × timeScale.
 * - `advance(ms)` jumps ahead instantly (tests of 24 h URL expiry or the 14-day rule take no time).
 * - `timeScale` speeds up the passage of real time: at 100, 20 real ms are 2 virtual seconds, so a
 *   Retry-After of 2 s is over after 20 real ms. 0 freezes the clock: only `advance` moves it.
 * Every rate-limit window, snowflake timestamp, URL expiry, the bulk-delete age rule and the ban
 * window read this clock; real `setTimeout`s (slow-answer faults) do not.
 */
export class VirtualClock {
  private baseMs: number;
  private realAnchor: number;
  private scale: number;

  constructor(
    startMs: number = Date.now(),
    timeScale = 1,
    private readonly realNow: () => number = () => performance.now(),
  ) {
    this.baseMs = startMs;
    this.realAnchor = realNow();
    this.scale = checkScale(timeScale);
  }

  now(): number {
    return Math.floor(this.baseMs + (this.realNow() - this.realAnchor) * this.scale);
  }

  get timeScale(): number {
    return this.scale;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance takes a non-negative number of ms');
    this.baseMs += ms;
    return this.now();
  }

  /** Sets virtual now; refuses to go backwards, since snowflakes and windows assume monotonic time. */
  set(ms: number): number {
    const now = this.now();
    if (ms < now) throw new RangeError(`the clock cannot go back (now ${now}, asked ${ms})`);
    return this.advance(ms - now);
  }

  setTimeScale(timeScale: number): void {
    // Re-anchor so the time already passed keeps its old scale.
    this.baseMs = this.now();
    this.realAnchor = this.realNow();
    this.scale = checkScale(timeScale);
  }
}

function checkScale(scale: number): number {
  if (!Number.isFinite(scale) || scale < 0) throw new RangeError('timeScale must be a number ≥ 0');
  return scale;
}
