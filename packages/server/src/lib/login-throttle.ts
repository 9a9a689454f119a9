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

/**
 * Counts failed logins per key (an account, an IP) in a sliding window. Kept in process memory:
 * a restart forgets the counts, which only helps someone who can restart the server anyway.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string, limit: number): number {
    const recent = this.recent(key);
    if (recent.length < limit) return 0;
    return recent[recent.length - limit]! + this.windowMs - this.now();
  }

  recordFailure(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.set(key, recent);
    // Many distinct attackers' addresses must not grow the map without bound.
    if (this.failures.size > 10_000) for (const k of [...this.failures.keys()]) this.recent(k);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }
}

/**
 * Checks a password against its hash, allowing `limit` wrong ones per `key` within the throttle's
 * window: 429 past that, 403 `wrong_password` for a wrong one. A right one clears the count.
 */
export async function verifyThrottled(
  hasher: PasswordHasher,
  throttle: LoginThrottle,
  check: { key: string; limit: number; hash: string; password: string; tooMany: string },
): Promise<void> {
  const wait = throttle.retryAfter(check.key, check.limit);
  if (wait > 0) throw tooManyAttempts(wait, check.tooMany);
  if (!(await hasher.verify(check.hash, check.password))) {
    throttle.recordFailure(check.key);
    throw new AppError(403, 'wrong_password', 'The password is wrong');
  }
  throttle.reset(check.key);
}
