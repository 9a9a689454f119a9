import { createHash } from 'node:crypto';

/**
 * What the database keeps of a bearer secret (a session or a share link): its SHA-256. The secrets
 * are 128 or more random bits, so no salt or slow hash is needed to make the digest useless to whoever
 * reads a leaked database.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
