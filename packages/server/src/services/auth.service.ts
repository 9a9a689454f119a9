import { randomBytes, randomUUID } from 'node:crypto';
import type { ChangePasswordBody, CreateTokenBody } from '@idrive/shared';
import type { SessionRow, UserRow } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import { userTopic } from '../events/topics.js';
import { AppError } from '../lib/app-error.js';
import type { LoginThrottle } from '../lib/login-throttle.js';
import type { PasswordHasher } from '../lib/password-hasher.js';
import type { Repositories } from '../repositories/repositories.js';
import { hashToken } from '../lib/token-hash.js';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface AuthPolicy {
  sessionTtlDays: number;
  /** Days a script token lasts when its creator names no expiry. */
  tokenTtlDays: number;
  loginAttemptsPerAccount: number;
  loginAttemptsPerIp: number;
}

export interface Authenticated {
  user: UserRow;
  /** The session; for an app password, a stand-in whose id is the app password's. */
  session: SessionRow;
  /** Set when the request carries an app password rather than a session token. */
  appPassword?: { id: string; readOnly: boolean };
}

const DAY_MS = 86_400_000;
// Writing last_seen_at on every request would make every read a write; a minute is precise enough.
const TOUCH_INTERVAL_MS = 60_000;

export class AuthService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly repos: Repositories,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly policy: AuthPolicy,
    private readonly events: EventBus,
  ) {}

  /** Checks a username and password and opens a browser session (its token also works as a bearer token). */
  async login(
    username: string,
    password: string,
    client: ClientInfo,
    deviceName?: string,
  ): Promise<{ token: string; session: SessionRow; user: UserRow }> {
    const user = await this.checkPassword(username, password, client);
    const { token, session } = await this.openBrowserSession(user.id, client, deviceName);
    return { token, session, user };
  }

  /**
   * A browser session for a user who has been vouched for: by their password, or by their approval
   * of this device from one already signed in.
   */
  openBrowserSession(
    userId: string,
    client: ClientInfo,
    deviceName?: string,
  ): Promise<{ token: string; session: SessionRow }> {
    const name = deviceName?.trim() || describeUserAgent(client.userAgent);
    return this.openSession(userId, 'browser', name, client, this.policy.sessionTtlDays);
  }

  /**
   * The account whose password this is, throttled as sign-in is: 401 for a wrong one, 429 once too
   * many were wrong.
   */
  async checkPassword(username: string, password: string, client: ClientInfo): Promise<UserRow> {
    // Counted per address, and per account from one address: someone hammering an account from
    // elsewhere slows themselves down, never its owner signing in from their own address.
    const ip = client.ip ?? 'unknown';
    const accountKey = `account:${username.toLowerCase()}:ip:${ip}`;
    const attempt = await this.throttle.reserve(
      [
        { key: accountKey, limit: this.policy.loginAttemptsPerAccount },
        { key: `ip:${ip}`, limit: this.policy.loginAttemptsPerIp },
      ],
      'Too many failed sign-in attempts',
    );

    const user = await this.matchPassword(username, password);
    if (!user) {
      throw new AppError(401, 'unauthorized', 'Wrong username or password, or the account is disabled');
    }
    await attempt.succeeded([accountKey]);
    return user;
  }

  /** The enabled user with this username and password, or null; not throttled (callers throttle). */
  async matchPassword(username: string, password: string): Promise<UserRow | null> {
    const user = await this.repos.users.findByUsername(username);
    // Unknown users still cost one hash check, so response time does not reveal which names exist.
    const ok = user
      ? await this.hasher.verify(user.password_hash, password)
      : await this.hasher.verify(await this.getDummyHash(), password).then(() => false);
    return user && ok && !user.disabled ? user : null;
  }

  /** Resolves a token to its live session and user, or null. Expired sessions are removed. */
  authenticate(token: string): Promise<Authenticated | null> {
    return this.resolve(hashToken(token));
  }

  /** Whether a session resolved earlier is still signed in (a long-lived websocket asks now and then). */
  async stillSignedIn(auth: Authenticated): Promise<boolean> {
    if (auth.appPassword) {
      const row = await this.repos.appPasswords.findBySecretHash(auth.session.token_hash);
      const user = row && (await this.repos.users.findById(row.user_id));
      return row?.id === auth.appPassword.id && !!user && !user.disabled;
    }
    return (await this.resolve(auth.session.token_hash))?.session.id === auth.session.id;
  }

  private async resolve(tokenHash: string): Promise<Authenticated | null> {
    const session = await this.repos.sessions.findByTokenHash(tokenHash);
    if (!session) return null;
    const now = Date.now();
    if (session.expires_at !== null && session.expires_at <= now) {
      await this.repos.sessions.deleteForUser(session.user_id, session.id);
      return null;
    }
    const user = await this.repos.users.findById(session.user_id);
    if (!user || user.disabled) return null;
    if (now - session.last_seen_at > TOUCH_INTERVAL_MS) {
      await this.repos.sessions.touch(session.id, now);
      session.last_seen_at = now;
    }
    return { user, session };
  }

  listSessions(userId: string): Promise<SessionRow[]> {
    return this.repos.sessions.listForUser(userId);
  }

  async revokeSession(userId: string, sessionId: string): Promise<void> {
    const deleted = await this.repos.sessions.deleteForUser(userId, sessionId);
    if (!deleted) throw new AppError(404, 'not_found', 'Session not found');
    this.announceEnded(userId, [sessionId]);
  }

  async logoutEverywhere(userId: string): Promise<void> {
    const ended = (await this.repos.sessions.listForUser(userId)).map((s) => s.id);
    await this.repos.sessions.deleteAllForUser(userId);
    this.announceEnded(userId, ended);
  }

  /** A named bearer token for scripts, listed and revocable like any device. */
  createToken(userId: string, body: CreateTokenBody, client: ClientInfo) {
    return this.openSession(
      userId,
      'token',
      body.name,
      client,
      body.expiresInDays ?? this.policy.tokenTtlDays,
    );
  }

  /** Changes the password and signs out every other device. */
  async changePassword(user: UserRow, currentSessionId: string, body: ChangePasswordBody): Promise<void> {
    if (!(await this.hasher.verify(user.password_hash, body.currentPassword))) {
      throw new AppError(403, 'forbidden', 'The current password is wrong');
    }
    const password_hash = await this.hasher.hash(body.newPassword);
    await this.repos.transaction(async (r) => {
      await r.users.update(user.id, { password_hash });
      const ended = (await r.sessions.listForUser(user.id))
        .map((s) => s.id)
        .filter((id) => id !== currentSessionId);
      await r.sessions.deleteAllForUser(user.id, currentSessionId);
      r.afterCommit(() => this.announceEnded(user.id, ended));
    });
  }

  /** Their open websockets close at once (the user's other devices hear of it too). */
  private announceEnded(userId: string, sessionIds: string[]): void {
    if (sessionIds.length === 0) return;
    this.events.publish([userTopic(userId)], { type: 'session.ended', sessionIds }, { transient: true });
  }

  private async openSession(
    userId: string,
    kind: SessionRow['kind'],
    name: string,
    client: ClientInfo,
    ttlDays: number,
  ): Promise<{ token: string; session: SessionRow }> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: SessionRow = {
      id: randomUUID(),
      token_hash: hashToken(token),
      user_id: userId,
      kind,
      name: name.slice(0, 100),
      user_agent: client.userAgent?.slice(0, 500) ?? null,
      ip: client.ip,
      csrf_token: randomBytes(24).toString('base64url'),
      created_at: now,
      last_seen_at: now,
      expires_at: now + ttlDays * DAY_MS,
    };
    await this.repos.sessions.insert(session);
    return { token, session };
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= this.hasher.hash(randomBytes(16).toString('hex'));
    return this.dummyHash;
  }
}

/** A short device name from a user agent: "Firefox on Linux", or "Unknown device". */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = (
    [
      [/Edg\//, 'Edge'],
      [/OPR\//, 'Opera'],
      [/Firefox\//, 'Firefox'],
      [/Chrome\//, 'Chrome'],
      [/Safari\//, 'Safari'],
      [/curl\//, 'curl'],
    ] as const
  ).find(([re]) => re.test(userAgent))?.[1];
  const os = (
    [
      [/Android/, 'Android'],
      [/iPhone|iPad/, 'iOS'],
      [/Windows/, 'Windows'],
      [/Mac OS X/, 'macOS'],
      [/Linux/, 'Linux'],
    ] as const
  ).find(([re]) => re.test(userAgent))?.[1];
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? userAgent.slice(0, 60);
}
