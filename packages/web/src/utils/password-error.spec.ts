import { describe, expect, it } from 'vitest';
import type { Composer } from 'vue-i18n';
import { ApiError } from '../api/http';
import { passwordErrorText } from './password-error';

const t = ((key: string, named?: Record<string, unknown>) =>
  named ? `${key}(${JSON.stringify(named)})` : key) as unknown as Composer['t'];
const keys = { wrong: 'x.wrong', throttled: 'x.throttled' };

describe('passwordErrorText', () => {
  it('says the password is wrong for a 403', () => {
    expect(passwordErrorText(new ApiError(403, 'wrong_password', 'The password is wrong'), t, keys)).toBe(
      'x.wrong',
    );
  });

  it('says how long to wait when guessing is throttled', () => {
    const err = new ApiError(429, 'too_many_requests', 'Too many', { retryAfterSeconds: 42.2 });
    expect(passwordErrorText(err, t, keys)).toBe('x.throttled({"n":43})');
  });

  it('keeps the server message for anything else', () => {
    expect(passwordErrorText(new ApiError(404, 'not_found', 'Folder not found'), t, keys)).toBe(
      'Folder not found',
    );
  });
});
