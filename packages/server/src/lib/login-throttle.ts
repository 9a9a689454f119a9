import { AppError } from './app-error.js';
import type { PasswordHasher } from './password-hasher.js';

/** The 429 for a secret guessed too often: `wait` ms until the next try. */
export function tooManyAttempts(wait: number, message: string): AppError {
  const seconds = Math.ceil(wait / 1000);
  return new AppError(
    429,
    'too_many_requests',
    `${message}. Try again in ${seconds} seconds.`,
    { retryAfterSeconds: seconds },
    { 'retry-after': String(seconds) },
  );
}

/** One budget an attempt is counted against: at most `limit` attempts per `key` in the window. */
export interface ThrottleBudget {
  key: string;
  limit: number;
}

/** Attempts reserved on some budgets; settle it once the secret has been checked. */
export interface Reservation {
  /** The secret was right: the attempt does not count, and these keys start afresh. */
  succeeded(resetKeys?: readonly string[]): Promise<void>;
}

/**
 * Counts attempts at a secret per key (an account and address, an address, a link) in a sliding
 * window. An attempt is counted when it starts, not when its slow hash check ends: otherwise many
 * parallel guesses would all pass the check before the first failure was written down. A right
 * secret takes its attempt back.
 */
export interface LoginThrottle {
  /**
   * Reserves one attempt on every budget, or none when any is spent (429). The count and the
   * reservation are one step: no other attempt, here or on another instance, comes between them.
   */
  reserve(budgets: readonly ThrottleBudget[], tooMany: string): Promise<Reservation>;
}

/**
 * The embedded throttle, in process memory: a restart forgets the counts, which only helps someone
 * who can restart the server anyway.
 */
export class MemoryLoginThrottle implements LoginThrottle {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  // Nothing is awaited before the reservation is written, so no other request runs in between.
  async reserve(budgets: readonly ThrottleBudget[], tooMany: string): Promise<Reservation> {
    const wait = Math.max(0, ...budgets.map((b) => this.retryAfter(b.key, b.limit)));
    if (wait > 0) throw tooManyAttempts(wait, tooMany);
    const at = this.now();
    for (const { key } of budgets) this.attempts.set(key, [...this.recent(key), at]);
    this.prune();
    return {
      succeeded: async (resetKeys = []) => {
        for (const { key } of budgets) this.takeBack(key, at);
        for (const key of resetKeys) this.attempts.delete(key);
      },
    };
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  private retryAfter(key: string, limit: number): number {
    const recent = this.recent(key);
    if (recent.length < limit) return 0;
    return Math.max(1, recent[recent.length - limit]! + this.windowMs - this.now());
  }

  private takeBack(key: string, at: number): void {
    const list = this.attempts.get(key);
    const index = list?.indexOf(at) ?? -1;
    if (index !== -1) list!.splice(index, 1);
    if (list?.length === 0) this.attempts.delete(key);
  }

  /** Many distinct attackers' addresses must not grow the map without bound. */
  private prune(): void {
    if (this.attempts.size > 10_000) for (const k of [...this.attempts.keys()]) this.recent(k);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.attempts.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.attempts.delete(key);
    else this.attempts.set(key, list);
    return list;
  }
}

/**
 * Checks a password against its hash, allowing `limit` attempts per `key` within the throttle's
 * window: 429 past that, 403 `wrong_password` for a wrong one. A right one clears the count.
 */
export async function verifyThrottled(
  hasher: PasswordHasher,
  throttle: LoginThrottle,
  check: { key: string; limit: number; hash: string; password: string; tooMany: string },
): Promise<void> {
  const reservation = await throttle.reserve([{ key: check.key, limit: check.limit }], check.tooMany);
  if (!(await hasher.verify(check.hash, check.password))) {
    throw new AppError(403, 'wrong_password', 'The password is wrong');
  }
  await reservation.succeeded([check.key]);
}
