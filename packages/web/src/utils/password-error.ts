import type { Composer } from 'vue-i18n';
import { ApiError, errorMessage } from '../api/http';

/** Message keys for the two answers a password check can give besides "yes". */
export interface PasswordErrorKeys {
  /** The password is wrong. */
  wrong: string;
  /** Too many wrong guesses: pluralised on `{n}`, the seconds to wait. */
  throttled: string;
}

function retryAfterSeconds(details: unknown): number {
  const seconds =
    typeof details === 'object' && details !== null && 'retryAfterSeconds' in details
      ? Number(details.retryAfterSeconds)
      : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 60;
}

/**
 * Folder locks and share links answer a wrong password with 403 `wrong_password` and repeated guessing
 * with 429 (and how long to wait); everything else keeps the server's own message.
 */
export function passwordErrorText(err: unknown, t: Composer['t'], keys: PasswordErrorKeys): string {
  if (err instanceof ApiError) {
    if (err.code === 'wrong_password') return t(keys.wrong);
    if (err.status === 429) {
      const n = retryAfterSeconds(err.details);
      return t(keys.throttled, { n }, n);
    }
  }
  return errorMessage(err);
}
