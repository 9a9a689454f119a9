import { randomBytes, randomUUID } from 'node:crypto';
import { APP_PASSWORD_PREFIX, type CreateAppPasswordBody } from '@idrive/shared';
import type { AppPasswordRow, SessionRow, UserRow } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import { userTopic } from '../events/topics.js';
import { AppError } from '../lib/app-error.js';
import type { LoginThrottle } from '../lib/login-throttle.js';
import { hashToken } from '../lib/token-hash.js';
import type { Repositories } from '../repositories/repositories.js';
import type { AuthService, Authenticated, ClientInfo } from './auth.service.js';

export interface AppPasswordPolicy {
  /** Basic-auth gateways take only app passwords, never the account password. */
  requireAppPasswords: boolean;
  loginAttemptsPerAccount: number;
  loginAttemptsPerIp: number;
}

/** Who a Basic-auth gateway let in, and whether they may change anything. */
export interface BasicIdentity {
  user: UserRow;
  readOnly: boolean;
  /** The app password used, or null when it was the account password. */
  appPasswordId: string | null;
}

// Writing last_used_at on every WebDAV request would make every read a write; a minute is enough.
const TOUCH_INTERVAL_MS = 60_000;

export function isAppPassword(secret: string): boolean {
  return secret.startsWith(APP_PASSWORD_PREFIX);
}

/**
 * App passwords: per-user secrets for WebDAV and scripts, each named and revocable on its own. The
 * database keeps their SHA-256 only (they carry 256 random bits, so no slow hash is needed), and the
 * prefix lets secret scanners recognise one that leaked.
 */
export class AppPasswordService {
  constructor(
    private readonly repos: Repositories,
    private readonly auth: AuthService,
    private readonly throttle: LoginThrottle,
    private readonly policy: AppPasswordPolicy,
    private readonly events: EventBus,
  ) {}

  get requireAppPasswords(): boolean {
    return this.policy.requireAppPasswords;
  }

  /** Returns the secret, which is not kept and cannot be shown again. */
  async create(
    userId: string,
    body: Required<CreateAppPasswordBody>,
  ): Promise<{ secret: string; row: AppPasswordRow }> {
    const secret = APP_PASSWORD_PREFIX + randomBytes(32).toString('base64url');
    const row: AppPasswordRow = {
      id: randomUUID(),
      user_id: userId,
      name: body.name,
      secret_hash: hashToken(secret),
      read_only: body.readOnly ? 1 : 0,
      created_at: Date.now(),
      last_used_at: null,
    };
    await this.repos.appPasswords.insert(row);
    return { secret, row };
  }

  list(userId: string): Promise<AppPasswordRow[]> {
    return this.repos.appPasswords.listForUser(userId);
  }

  /** Takes effect on the next request: nothing caches a verified secret. */
  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.repos.appPasswords.deleteForUser(userId, id))) {
      throw new AppError(404, 'not_found', 'App password not found');
    }
    // Websockets opened with it close at once.
    this.events.publish(
      [userTopic(userId)],
      { type: 'session.ended', sessionIds: [id] },
      { transient: true },
    );
  }

  /** The user and the app password's row when `secret` is one of that user's live app passwords. */
  async verify(username: string, secret: string): Promise<{ user: UserRow; row: AppPasswordRow } | null> {
    const found = await this.resolve(secret);
    return found && found.user.username_key === username.toLowerCase() ? found : null;
  }

  /** An app password sent as a bearer token on the REST API. */
  async authenticate(secret: string): Promise<Authenticated | null> {
    const found = await this.resolve(secret);
    if (!found) return null;
    const { user, row } = found;
    return {
      user,
      session: standInSession(row),
      appPassword: { id: row.id, readOnly: row.read_only === 1 },
    };
  }

  /**
   * What a Basic-auth gateway calls: an app password, or (unless they are required) the account
   * password. Failures are throttled as sign-ins are, per account and address and per address.
   */
  async verifyBasic(username: string, secret: string, client: ClientInfo): Promise<BasicIdentity> {
    const ip = client.ip ?? 'unknown';
    const accountKey = `basic:account:${username.toLowerCase()}:ip:${ip}`;
    const attempt = await this.throttle.reserve(
      [
        { key: accountKey, limit: this.policy.loginAttemptsPerAccount },
        { key: `basic:ip:${ip}`, limit: this.policy.loginAttemptsPerIp },
      ],
      'Too many failed sign-in attempts',
    );
    const identity = await this.checkBasic(username, secret);
    if (!identity) {
      const wanted = this.policy.requireAppPasswords ? ' (this server accepts only app passwords)' : '';
      throw new AppError(401, 'unauthorized', `Wrong username or password${wanted}`);
    }
    await attempt.succeeded([accountKey]);
    return identity;
  }

  private async checkBasic(username: string, secret: string): Promise<BasicIdentity | null> {
    if (isAppPassword(secret)) {
      const found = await this.verify(username, secret);
      return found && { user: found.user, readOnly: found.row.read_only === 1, appPasswordId: found.row.id };
    }
    if (this.policy.requireAppPasswords) return null;
    const user = await this.auth.matchPassword(username, secret);
    return user && { user, readOnly: false, appPasswordId: null };
  }

  private async resolve(secret: string): Promise<{ user: UserRow; row: AppPasswordRow } | null> {
    if (!isAppPassword(secret)) return null;
    const row = await this.repos.appPasswords.findBySecretHash(hashToken(secret));
    if (!row) return null;
    const user = await this.repos.users.findById(row.user_id);
    if (!user || user.disabled) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at > TOUCH_INTERVAL_MS) {
      await this.repos.appPasswords.touch(row.id, now);
      row.last_used_at = now;
    }
    return { user, row };
  }
}

/**
 * What stands for a session when a request carries an app password: its id names the app password
 * (so its websockets close when it is revoked), and it has no CSRF token because it never rides on
 * a cookie.
 */
function standInSession(row: AppPasswordRow): SessionRow {
  return {
    id: row.id,
    token_hash: row.secret_hash,
    user_id: row.user_id,
    kind: 'token',
    name: row.name,
    user_agent: null,
    ip: null,
    csrf_token: '',
    created_at: row.created_at,
    last_seen_at: row.last_used_at ?? row.created_at,
    expires_at: null,
  };
}
