import { describe, expect, it } from 'vitest';
import { RateMeter, secondsLeft } from './rate';

describe('transfer rate and time left', () => {
  it('measures bytes per second over the window, following a change of pace', () => {
    const meter = new RateMeter(5000);
    expect(meter.rate()).toBe(0);
    for (let s = 0; s <= 10; s++) meter.add(s * 1000, s * 1000); // 1000 B/s for 10 s
    expect(meter.rate()).toBe(1000);
    for (let s = 11; s <= 16; s++) meter.add(10_000 + (s - 10) * 4000, s * 1000); // then 4000 B/s
    expect(meter.rate()).toBe(4000);
  });

  it('gives no rate from samples too close together, and none after a reset', () => {
    const meter = new RateMeter();
    meter.add(0, 0);
    meter.add(1000, 100);
    expect(meter.rate()).toBe(0);
    meter.add(5000, 1000);
    expect(meter.rate()).toBe(5000);
    meter.reset();
    expect(meter.rate()).toBe(0);
  });

  it('computes whole seconds left, unknown without a pace', () => {
    expect(secondsLeft(10_000, 1000)).toBe(10);
    expect(secondsLeft(10_001, 1000)).toBe(11);
    expect(secondsLeft(0, 0)).toBe(0);
    expect(secondsLeft(500, 0)).toBeNull();
  });
});
