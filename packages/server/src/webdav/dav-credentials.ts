import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SessionRow, UserRow } from '../db/schema.js';
import { clientInfo } from '../http/auth.js';
import { AppError } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { AuthService, Authenticated, ClientInfo } from '../services/auth.service.js';

/** Checks the secret a WebDAV client sends with Basic auth. Other kinds (app passwords) plug in here. */
export interface DavCredentials {
  /** The user, null for a wrong secret; 429 (thrown) once too many were wrong. */
  verify(username: string, secret: string, client: ClientInfo): Promise<UserRow | null>;
}

const REMEMBER_MS = 10 * 60_000;
const REMEMBER_MAX = 1000;

/**
 * The account password, checked and throttled exactly as sign-in is. WebDAV clients send it on every
 * request, and an Argon2 check each time would make a 1,000-file copy crawl, so a right answer is
 * remembered for a few minutes, bound to the password hash it matched: a changed password, or a
 * disabled account, is not let in on the remembered one.
 */
export class AccountPasswordCredentials implements DavCredentials {
  private readonly remembered = new Map<string, { userId: string; passwordHash: string; until: number }>();

  constructor(
    private readonly auth: AuthService,
    private readonly repos: Repositories,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(username: string, secret: string, client: ClientInfo): Promise<UserRow | null> {
    const key = createHash('sha256').update(`${username}\0${secret}`).digest('hex');
    const hit = this.remembered.get(key);
    if (hit && hit.until > this.now()) {
      const user = await this.repos.users.findById(hit.userId);
      if (user && !user.disabled && user.password_hash === hit.passwordHash) return user;
    }
    this.remembered.delete(key);
    try {
      const user = await this.auth.checkPassword(username, secret, client);
      if (this.remembered.size >= REMEMBER_MAX) this.remembered.delete(this.remembered.keys().next().value!);
      this.remembered.set(key, {
        userId: user.id,
        passwordHash: user.password_hash,
        until: this.now() + REMEMBER_MS,
      });
      return user;
    } catch (err) {
      if (err instanceof AppError && err.status === 401) return null;
      throw err;
    }
  }
}

/**
 * Basic auth has no session. This stands in for one that no folder was ever unlocked for, so
 * password-locked folders stay closed: a Basic client has no way to send an unlock.
 */
function basicSession(user: UserRow, client: ClientInfo): SessionRow {
  return {
    id: `webdav:${user.id}`,
    token_hash: '',
    user_id: user.id,
    kind: 'token',
    name: 'WebDAV',
    user_agent: client.userAgent,
    ip: client.ip,
    csrf_token: '',
    created_at: 0,
    last_seen_at: 0,
    expires_at: null,
  };
}

/** The Basic credentials of a request, checked; null when there are none or they are wrong. */
export function basicAuthenticator(credentials: DavCredentials) {
  return async (request: FastifyRequest): Promise<Authenticated | null> => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const client = clientInfo(request);
    const user = await credentials.verify(decoded.slice(0, colon), decoded.slice(colon + 1), client);
    return user ? { user, session: basicSession(user, client) } : null;
  };
}
