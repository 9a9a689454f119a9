import { describe, expect, it } from 'vitest';
import { minimalSendMs } from './discord-limits.js';

// Discord's observed limits, as the emulator has them: 5 per 2 s per webhook, ~30 a minute per channel.
const limits = { webhook: { limit: 5, windowMs: 2_000 }, channel: { limit: 30, windowMs: 60_000 } };

describe('minimalSendMs', () => {
  it('needs no time while every message fits in the first windows', () => {
    expect(minimalSendMs(20, 4, limits)).toBe(0);
  });

  it('waits for the next webhook window once every channel has used its first', () => {
    expect(minimalSendMs(21, 4, limits)).toBe(2_000);
    // 1 GiB packed 3 chunks a message: 43 messages, 20 + 20 + 3.
    expect(minimalSendMs(43, 4, limits)).toBe(4_000);
  });

  it('waits a minute once the channel buckets are spent', () => {
    // 30 per channel go out by 10 s; the 121st message waits for the channel windows to reopen.
    expect(minimalSendMs(120, 4, limits)).toBe(10_000);
    expect(minimalSendMs(121, 4, limits)).toBe(60_000);
  });
});
