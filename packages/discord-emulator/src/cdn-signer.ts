import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signs attachment URLs the way Discord's CDN does [doc]: `?ex=<hex s>&is=<hex s>&hm=<hex>&`, where
 * `hm` is an HMAC-SHA256 over the path, `ex` and `is` with a secret only the server knows.
 */
export class CdnSigner {
  private readonly secret: Buffer;

  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  /** The query string (with Discord's trailing `&`) for `path`, issued at `nowMs`. */
  sign(path: string, nowMs: number, lifetimeMs: number): string {
    const issued = Math.floor(nowMs / 1000);
    const expires = Math.floor((nowMs + lifetimeMs) / 1000);
    const is = issued.toString(16);
    const ex = expires.toString(16);
    return `ex=${ex}&is=${is}&hm=${this.mac(path, ex, is)}&`;
  }

  /** True when the parameters are present, untampered and `ex` is still in the future. */
  verify(path: string, query: Record<string, unknown>, nowMs: number): boolean {
    const { ex, is, hm } = query;
    if (typeof ex !== 'string' || typeof is !== 'string' || typeof hm !== 'string') return false;
    if (!/^[0-9a-f]{1,16}$/i.test(ex) || !/^[0-9a-f]{1,16}$/i.test(is) || !/^[0-9a-f]{64}$/i.test(hm)) {
      return false;
    }
    const expected = Buffer.from(this.mac(path, ex, is), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(hm, 'hex'))) return false;
    return parseInt(ex, 16) * 1000 > nowMs;
  }

  private mac(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${ex}\n${is}`).digest('hex');
  }
}
