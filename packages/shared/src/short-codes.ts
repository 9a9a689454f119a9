/**
 * Device sign-in codes a person reads off one screen and types on another. Apart from the schemas,
 * so that the page showing them does not load zod.
 */

/** How long a device sign-in waits for its approval. */
export const DEVICE_SIGN_IN_TTL_SECONDS = 180;

/** Crockford's base32: no I, L, O or U, so a code read off a screen is not mistyped. */
export const SHORT_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const SHORT_CODE_LENGTH = 10;

/**
 * A short code as typed, in its canonical form (upper case, no spaces or dashes, the letters people
 * confuse with digits read as those digits), or null when it is not one.
 */
export function normaliseShortCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== SHORT_CODE_LENGTH) return null;
  return [...code].every((c) => SHORT_CODE_ALPHABET.includes(c)) ? code : null;
}

/** A short code as shown: two groups of five. */
export function formatShortCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}
