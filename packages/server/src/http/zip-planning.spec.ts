import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/app-error.js';
import { ZipPlanning } from './zip-planning.js';

const plan = (entries: number) => async () => ({ entries });

describe('ZipPlanning', () => {
  it("finding 17: a visitor's spent budget comes back as its plans leave the window", async () => {
    let now = 1_000_000;
    const planning = new ZipPlanning(
      { perAddress: 2, total: 4, visitorEntries: 10, windowMs: 60_000 },
      () => now,
    );
    await planning.run('a', plan(6), true);
    now += 20_000;
    await planning.run('a', plan(4), true);
    const refused = await planning.run('a', plan(1), true).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(429);
    // The first plan leaves the window 40 s from now.
    expect((refused as AppError).headers['retry-after']).toBe('40');
    // Others, and signed-in plans from the same address, are not held back.
    await planning.run('b', plan(1), true);
    await planning.run('a', plan(50));

    now += 40_001;
    await expect(planning.run('a', plan(1), true)).resolves.toEqual({ entries: 1 });
  });

  it('finding 17: a failed plan gives its slot back', async () => {
    const planning = new ZipPlanning({ perAddress: 1, total: 1, visitorEntries: 10, windowMs: 60_000 });
    await expect(
      planning.run('a', async () => {
        throw new Error('tree read failed');
      }),
    ).rejects.toThrow('tree read failed');
    await expect(planning.run('a', plan(1))).resolves.toEqual({ entries: 1 });
  });
});
