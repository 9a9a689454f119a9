import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SessionRow, UserRow } from '../db/schema.js';
import { clientInfo } from '../http/auth.js';
import { AppError } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { AppPasswordService, BasicIdentity } from '../services/app-password.service.js';
import type { Authenticated, ClientInfo } from '../services/auth.service.js';

/** Checks the secret a WebDAV client sends with Basic auth. */
export interface DavCredentials {
  /** Who it is, null for a wrong secret; 429 (thrown) once too many were wrong. */
  verify(username: string, secret: string, client: ClientInfo): Promise<BasicIdentity | null>;
}

const REMEMBER_MS = 10 * 60_000;
const REMEMBER_MAX = 1000;

/**
 * An app password, or the account password unless the drive requires app passwords
 * (`AppPasswordService.verifyBasic`, throttled as sign-in is). WebDAV clients send the secret on
 * every request and an Argon2 check each time would make a 1,000-file copy crawl, so a right account
 * password is remembered for a few minutes, bound to the password hash it matched: a changed
 * password, or a disabled account, is not let in on the remembered one. App passwords cost a hash
 * lookup and are checked every time, so a revoked one stops at once.
 */
export class GatewayCredentials implements DavCredentials {
  private readonly remembered = new Map<string, { userId: string; passwordHash: string; until: number }>();

  constructor(
    private readonly appPasswords: AppPasswordService,
    private readonly repos: Repositories,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(username: string, secret: string, client: ClientInfo): Promise<BasicIdentity | null> {
    const key = createHash('sha256').update(`${username}\0${secret}`).digest('hex');
    const hit = this.remembered.get(key);
    if (hit && hit.until > this.now()) {
      const user = await this.repos.users.findById(hit.userId);
      if (user && !user.disabled && user.password_hash === hit.passwordHash)
        return { user, readOnly: false, appPasswordId: null };
    }
    this.remembered.delete(key);
    try {
      const identity = await this.appPasswords.verifyBasic(username, secret, client);
      if (identity.appPasswordId === null) {
        if (this.remembered.size >= REMEMBER_MAX)
          this.remembered.delete(this.remembered.keys().next().value!);
        this.remembered.set(key, {
          userId: identity.user.id,
          passwordHash: identity.user.password_hash,
          until: this.now() + REMEMBER_MS,
        });
      }
      return identity;
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
function basicSession(user: UserRow, client: ClientInfo, appPasswordId: string | null): SessionRow {
  return {
    id: appPasswordId ?? `webdav:${user.id}`,
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
    const identity = await credentials.verify(decoded.slice(0, colon), decoded.slice(colon + 1), client);
    if (!identity) return null;
    const { user, appPasswordId, readOnly } = identity;
    return {
      user,
      session: basicSession(user, client, appPasswordId),
      ...(appPasswordId ? { appPassword: { id: appPasswordId, readOnly } } : {}),
    };
  };
}
