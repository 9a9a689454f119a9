import { describe, expect, it } from 'vitest';
import { formatShortCode, normaliseShortCode } from '@idrive/shared';

describe('short sign-in codes', () => {
  it.each([
    ['ABCDE-FGH23', 'ABCDEFGH23'],
    [' abcde fgh23 ', 'ABCDEFGH23'],
    // Letters read as the digits they look like, as Crockford's base32 has it.
    ['0OIL1-abcde', '00111ABCDE'],
  ])('reads %j as %j', (typed, code) => {
    expect(normaliseShortCode(typed)).toBe(code);
  });

  it.each(['ABCDE-FGH2', 'ABCDE-FGH234', 'ABCDE-FGHU2', 'ABCDE_FGH23', ''])('refuses %j', (typed) => {
    expect(normaliseShortCode(typed)).toBeNull();
  });

  it('shows a code in two groups of five, which read back as the code', () => {
    expect(formatShortCode('ABCDEFGH23')).toBe('ABCDE-FGH23');
    expect(normaliseShortCode(formatShortCode('ABCDEFGH23'))).toBe('ABCDEFGH23');
  });
});
