import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { AppError } from '../../src/lib/app-error.js';
import type { LoginThrottle, Reservation, ThrottleBudget } from '../../src/lib/login-throttle.js';

export const WINDOW_MS = 60_000;

/** A clock the test moves by hand. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let at = 1_700_000_000_000;
  return { now: () => at, advance: (ms) => (at += ms) };
}

/** How a test gets throttles of one implementation, sharing their counts, on `clock`. */
export type OpenThrottle = (clock: TestClock) => Promise<LoginThrottle>;

/** The attempt, or the 429 refusing it (with its seconds to wait). */
export async function attempt(
  throttle: LoginThrottle,
  budgets: ThrottleBudget[],
): Promise<Reservation | { refused: number }> {
  try {
    return await throttle.reserve(budgets, 'Too many tries');
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 429) throw err;
    return { refused: (err.details as { retryAfterSeconds: number }).retryAfterSeconds };
  }
}

export const refused = (result: Reservation | { refused: number }) => 'refused' in result;

/** Keys no other test uses, as throttles of one drive share their counts. */
const key = (name: string) => `${name}:${randomUUID()}`;

/** What every LoginThrottle does, wherever it keeps its counts. */
export function loginThrottleBehaviour(open: OpenThrottle): void {
  it('allows the limit per key in the window, then refuses until the oldest attempt leaves it', async () => {
    const clock = testClock();
    const throttle = await open(clock);
    const budget = [{ key: key('a'), limit: 3 }];
    const other = [{ key: key('b'), limit: 3 }];
    for (let i = 0; i < 3; i++) {
      expect(refused(await attempt(throttle, budget))).toBe(false);
      clock.advance(10_000);
    }
    // The first attempt was 30 s ago: it leaves the window in 30 s.
    expect(await attempt(throttle, budget)).toEqual({ refused: 30 });
    expect(refused(await attempt(throttle, other))).toBe(false);
    clock.advance(30_000);
    expect(refused(await attempt(throttle, budget))).toBe(false);
    expect(refused(await attempt(throttle, budget))).toBe(true);
  });

  it('reserves on every budget or on none', async () => {
    const clock = testClock();
    const throttle = await open(clock);
    const account = { key: key('account'), limit: 2 };
    const address = { key: key('address'), limit: 3 };
    expect(refused(await attempt(throttle, [account, address]))).toBe(false);
    expect(refused(await attempt(throttle, [account, address]))).toBe(false);
    // The account's budget is spent: the address's is not charged for the refused attempt.
    expect(refused(await attempt(throttle, [account, address]))).toBe(true);
    expect(refused(await attempt(throttle, [address]))).toBe(false);
    expect(refused(await attempt(throttle, [address]))).toBe(true);
  });

  it('takes back a right attempt, and starts the reset keys afresh', async () => {
    const clock = testClock();
    const throttle = await open(clock);
    const link = key('link');
    const budget = [{ key: link, limit: 2 }];
    for (let i = 0; i < 10; i++) {
      const reservation = await throttle.reserve(budget, 'Too many tries');
      await reservation.succeeded();
    }
    expect(refused(await attempt(throttle, budget))).toBe(false);
    const last = await throttle.reserve(budget, 'Too many tries');
    expect(refused(await attempt(throttle, budget))).toBe(true);
    await last.succeeded([link]);
    expect(refused(await attempt(throttle, budget))).toBe(false);
    expect(refused(await attempt(throttle, budget))).toBe(false);
    expect(refused(await attempt(throttle, budget))).toBe(true);
  });

  it('lets exactly the limit through when many attempts start at once', async () => {
    const clock = testClock();
    const throttles = [await open(clock), await open(clock)];
    const budget = [{ key: key('burst'), limit: 5 }];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt(throttles[i % 2]!, budget)),
    );
    expect(results.filter((r) => !refused(r))).toHaveLength(5);
  });
}
