import { Transform } from 'node:stream';
import { usageError } from './exit-codes.js';

/** `--bwlimit 10M`: bytes per second, with K, M, G suffixes (powers of 1024). */
export function parseRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(value.trim());
  if (!match) throw usageError('--bwlimit takes a rate such as 500K, 10M or 1G (bytes per second)');
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[
    match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'
  ];
  const rate = Math.floor(Number(match[1]) * scale);
  if (rate < 1024) throw usageError('--bwlimit must be at least 1K');
  return rate;
}

/**
 * One budget of bytes per second shared by every transfer of the command (a token bucket holding at
 * most a quarter of a second's worth, so a pause is not followed by a burst).
 */
export class Bandwidth {
  private tokens = 0;
  private last = Date.now();

  constructor(private readonly rate: number) {}

  private async take(bytes: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.rate / 4, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= Math.min(bytes, this.rate / 4)) {
        this.tokens -= bytes;
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A pass-through stream that lets bytes by no faster than the budget allows. */
  stream(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.take(chunk.length).then(() => callback(null, chunk), callback);
      },
    });
  }
}
