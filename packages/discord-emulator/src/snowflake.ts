import type { VirtualClock } from './virtual-clock.js';

export const DISCORD_EPOCH = 1420070400000;

/** Discord snowflakes: 42 bits of ms since 2015, 5 worker, 5 process, 12 increment bits. */
export class SnowflakeGenerator {
  private lastMs = 0;
  private increment = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly workerId = 1,
    private readonly processId = 0,
  ) {}

  /** A new id, strictly greater than every id made before (even if the clock stands still). */
  next(): string {
    let ms = this.clock.now();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.increment += 1;
      if (this.increment > 0xfff) {
        // 4096 ids in one ms: borrow the next ms, as a real worker would wait for it.
        ms += 1;
        this.increment = 0;
      }
    } else {
      this.increment = 0;
    }
    this.lastMs = ms;
    return (
      (BigInt(ms - DISCORD_EPOCH) << 22n) |
      (BigInt(this.workerId & 0x1f) << 17n) |
      (BigInt(this.processId & 0x1f) << 12n) |
      BigInt(this.increment)
    ).toString();
  }
}

export function snowflakeTimestamp(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}$/.test(value) && BigInt(value) < 1n << 64n;
}
