import { describe, expect, it } from 'vitest';
import { newPasswordProblem, PASSWORD_MIN_LENGTH } from './new-password';

describe('newPasswordProblem', () => {
  const long = 'x'.repeat(PASSWORD_MIN_LENGTH);

  it('refuses a password shorter than the server accepts, even when both match', () => {
    expect(newPasswordProblem(long.slice(1), long.slice(1))).toBe('tooShort');
  });

  it('refuses two different entries', () => {
    expect(newPasswordProblem(long, `${long}y`)).toBe('mismatch');
  });

  it('accepts a long enough password typed twice', () => {
    expect(newPasswordProblem(long, long)).toBeNull();
  });
});
