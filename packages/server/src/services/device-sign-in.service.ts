import { randomBytes, randomUUID } from 'node:crypto';
import {
  DEVICE_SIGN_IN_TTL_SECONDS,
  SHORT_CODE_ALPHABET,
  SHORT_CODE_LENGTH,
  normaliseShortCode,
} from '@idrive/shared';
import type { DevicePairingRow, SessionRow, UserRow } from '../db/schema.js';
import { AppError } from '../lib/app-error.js';
import type { LoginThrottle } from '../lib/login-throttle.js';
import { hashToken } from '../lib/token-hash.js';
import type { Repositories } from '../repositories/repositories.js';
import type { AuthService, Authenticated, ClientInfo } from './auth.service.js';

export interface DeviceSignInPolicy {
  /** Device sign-ins one address may start within the login window. */
  deviceSignInsPerIp: number;
}

/** A started device sign-in, as only the waiting device is told it. */
export interface StartedSignIn {
  code: string;
  shortCode: string;
  deviceSecret: string;
  expiresAt: number;
}

export type PollResult =
  | { status: 'pending'; expiresAt: number }
  | { status: 'denied' }
  | { status: 'expired' }
  | { status: 'approved'; token: string; session: SessionRow; user: UserRow };

/** Once approved, the device has at least this long to collect its session, however late the approval. */
const REDEEM_WINDOW_MS = 60_000;
/** Wrong codes one user may send within the login window (a short code has 50 bits; this is for typos). */
const CODE_ATTEMPTS_PER_USER = 10;

function notValid(): AppError {
  return new AppError(404, 'not_found', 'This sign-in code is wrong, has expired or has been used');
}

/**
 * Signs a device in through another one that is signed in. The waiting device holds two secrets: the
 * pairing code, which it shows (in the QR code's URL, and as a short code), and the device secret,
 * which it never shows. Whoever is signed in and has the code approves or denies; only the holder of
 * the device secret then collects a session, a new one of its own, once. Everything lives in the
 * database, hashed, so any instance serves any step.
 */
export class DeviceSignInService {
  constructor(
    private readonly repos: Repositories,
    private readonly auth: AuthService,
    private readonly throttle: LoginThrottle,
    private readonly policy: DeviceSignInPolicy,
  ) {}

  async start(client: ClientInfo): Promise<StartedSignIn> {
    // Counted and never taken back: every start costs its address one, so none can fill the table.
    await this.throttle.reserve(
      [{ key: `device-sign-in:ip:${client.ip ?? 'unknown'}`, limit: this.policy.deviceSignInsPerIp }],
      'Too many sign-ins with a QR code were started from this address',
    );
    const code = randomBytes(32).toString('base64url');
    const shortCode = randomShortCode();
    const deviceSecret = randomBytes(32).toString('base64url');
    const now = Date.now();
    const row: DevicePairingRow = {
      id: randomUUID(),
      code_hash: hashToken(code),
      short_code_hash: hashToken(shortCode),
      device_secret_hash: hashToken(deviceSecret),
      status: 'pending',
      user_id: null,
      user_agent: client.userAgent?.slice(0, 500) ?? null,
      ip: client.ip,
      created_at: now,
      expires_at: now + DEVICE_SIGN_IN_TTL_SECONDS * 1000,
    };
    await this.repos.devicePairings.insert(row);
    return { code, shortCode, deviceSecret, expiresAt: row.expires_at };
  }

  /** What the waiting device asks until it is decided; an approval opens its session, once. */
  async poll(deviceSecret: string, client: ClientInfo): Promise<PollResult> {
    const pairings = this.repos.devicePairings;
    const row = await pairings.findBy('device_secret_hash', hashToken(deviceSecret));
    if (!row || row.status === 'redeemed') {
      throw new AppError(404, 'not_found', 'There is no such sign-in waiting; start again');
    }
    const now = Date.now();
    if (row.status === 'denied') return { status: 'denied' };
    if (row.expires_at <= now) return { status: 'expired' };
    if (row.status === 'pending') return { status: 'pending', expiresAt: row.expires_at };
    // Of two polls at once (on two instances, say), one marks it used and the other finds it gone.
    if (!(await pairings.redeem(row.id, now))) {
      throw new AppError(404, 'not_found', 'This sign-in has already been used; start again');
    }
    const user = row.user_id === null ? undefined : await this.repos.users.findById(row.user_id);
    if (!user || user.disabled) {
      throw new AppError(403, 'forbidden', 'The account that approved this sign-in is disabled');
    }
    const { token, session } = await this.auth.openBrowserSession(user.id, client);
    return { status: 'approved', token, session, user };
  }

  /** The pending sign-in a pairing code or short code names, for the signed-in user to judge. */
  async lookup(auth: Authenticated, code: string): Promise<DevicePairingRow> {
    const key = `device-sign-in:user:${auth.user.id}`;
    const attempt = await this.throttle.reserve(
      [{ key, limit: CODE_ATTEMPTS_PER_USER }],
      'Too many wrong sign-in codes',
    );
    const short = normaliseShortCode(code);
    const row = await this.repos.devicePairings.findBy(
      short ? 'short_code_hash' : 'code_hash',
      hashToken(short ?? code),
    );
    if (!row || row.status !== 'pending' || row.expires_at <= Date.now()) throw notValid();
    await attempt.succeeded();
    return row;
  }

  /** Approves or denies the sign-in `code` names, for the user signed in on this request. */
  async decide(auth: Authenticated, code: string, approve: boolean): Promise<void> {
    // A leaked app password must not become a browser session, which can do what it cannot.
    if (auth.appPassword) {
      throw new AppError(403, 'forbidden', 'Devices are signed in from a signed-in browser');
    }
    const row = await this.lookup(auth, code);
    const now = Date.now();
    const decided = await this.repos.devicePairings.decide(
      row.id,
      {
        status: approve ? 'approved' : 'denied',
        userId: auth.user.id,
        expiresAt: approve ? Math.max(row.expires_at, now + REDEEM_WINDOW_MS) : row.expires_at,
      },
      now,
    );
    // Someone else decided it first, or it expired in between.
    if (!decided) throw notValid();
  }
}

/** SHORT_CODE_LENGTH characters of the 32-letter alphabet, 5 random bits each (256 is a multiple of 32). */
function randomShortCode(): string {
  return [...randomBytes(SHORT_CODE_LENGTH)].map((b) => SHORT_CODE_ALPHABET[b % 32]).join('');
}
