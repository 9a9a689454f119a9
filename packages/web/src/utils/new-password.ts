import { PASSWORD_MIN_LENGTH } from '@idrive/shared/limits';

/** Why a new password (typed twice) cannot be used, or null when it can. */
export type NewPasswordProblem = 'tooShort' | 'mismatch' | null;

/** Same rule as the server's (account passwords and folder locks), checked before asking it. */
export function newPasswordProblem(password: string, confirmation: string): NewPasswordProblem {
  if (password.length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (password !== confirmation) return 'mismatch';
  return null;
}

export { PASSWORD_MIN_LENGTH };
