import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Permission } from '@idrive/shared';
import type { UserRow } from '../db/schema.js';
import { AppError } from '../lib/app-error.js';
import { isAppPassword, type AppPasswordService } from '../services/app-password.service.js';
import type { AuthService, Authenticated, ClientInfo } from '../services/auth.service.js';
import { hasPermission } from '../services/user.service.js';

export const SESSION_COOKIE = 'idrive_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a session (login, health, the web app's files). */
    public?: boolean;
    /** Needed on top of a session. */
    permission?: Permission;
    /** Also takes the bearer token as `?access_token=` (websockets from scripts that cannot set headers). */
    queryToken?: boolean;
    /** Signed in with HTTP Basic instead of a session (WebDAV clients know nothing else). */
    basicAuth?: boolean;
  }
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return queryToken(request);
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}

function queryToken(request: FastifyRequest): string | null {
  if (!request.routeOptions.config.queryToken) return null;
  const value = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * Browsers send the page's Origin on every websocket handshake and cannot be made to leave it out, so
 * a cookie-signed upgrade from another site's page (cross-site websocket hijacking) is told apart here.
 */
function fromOwnOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Resolves the session on every request, then enforces each route's needs: a session unless the
 * route is public, its permission if it names one, for cookie sessions a CSRF token on anything
 * that changes state (a bearer token cannot be sent by another site, a cookie can), and for a
 * read-only app password nothing but reads.
 */
export function registerAuth(
  app: FastifyInstance,
  auth: AuthService,
  appPasswords: AppPasswordService,
  basic: (request: FastifyRequest) => Promise<Authenticated | null>,
): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.basicAuth) {
      request.auth = await basic(request);
      if (!request.auth) {
        throw new AppError(401, 'unauthorized', 'Sign in with your username and password', undefined, {
          'www-authenticate': 'Basic realm="I Drive", charset="UTF-8"',
        });
      }
      refuseReadOnlyWrites(request.auth, request.method);
      const { permission } = request.routeOptions.config;
      if (permission) requirePermission(request.auth.user, permission);
      return;
    }
    const bearer = bearerToken(request);
    const cookie = bearer ? null : (request.cookies[SESSION_COOKIE] ?? null);
    // App passwords are bearer-only: a browser never holds one in a cookie.
    if (bearer && isAppPassword(bearer)) request.auth = await appPasswords.authenticate(bearer);
    else if (bearer ?? cookie) request.auth = await auth.authenticate((bearer ?? cookie)!);
    else request.auth = null;

    // Judged on the route the router matched, never on the URL string: the router decodes and
    // normalises the path, so a prefix test on request.url misses `/%61pi/...` and the like. A route
    // is closed unless it says it is public; a path that matched nothing gets the 404 handler.
    if (request.routeOptions.config.public || request.is404) return;
    if (!request.auth) {
      throw new AppError(
        401,
        'unauthorized',
        bearer ? 'The token is invalid or has expired' : 'Sign in first',
      );
    }
    if (cookie && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameSecret(sent, request.auth.session.csrf_token)) {
        throw new AppError(403, 'csrf_failed', 'Missing or wrong X-CSRF-Token header');
      }
    }
    if (cookie && request.headers.upgrade?.toLowerCase() === 'websocket' && !fromOwnOrigin(request)) {
      throw new AppError(403, 'forbidden', 'A websocket signed in by cookie must be opened from this site');
    }
    refuseReadOnlyWrites(request.auth, request.method);
    const { permission } = request.routeOptions.config;
    if (permission) requirePermission(request.auth.user, permission);
  });
}

/** Methods that only read: a read-only app password may send nothing else (PROPFIND is WebDAV's listing). */
const READ_METHODS = new Set([...SAFE_METHODS, 'PROPFIND']);

function refuseReadOnlyWrites(auth: Authenticated, method: string): void {
  if (auth.appPassword?.readOnly && !READ_METHODS.has(method)) {
    throw new AppError(403, 'read_only', 'This app password is read-only');
  }
}

export function requirePermission(user: UserRow, permission: Permission): void {
  if (!hasPermission(user, permission)) {
    throw new AppError(
      403,
      'forbidden',
      `This needs the "${permission}" permission, which your account does not have`,
    );
  }
}

/** The signed-in user of a route that is not public (the hook has already refused anonymous calls). */
export function currentUser(request: FastifyRequest): UserRow {
  if (!request.auth) throw new AppError(401, 'unauthorized', 'Sign in first');
  return request.auth.user;
}

export function currentAuth(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new AppError(401, 'unauthorized', 'Sign in first');
  return request.auth;
}

/**
 * The caller's auth, refusing an app password: one that leaked must not be able to mint credentials
 * (other app passwords, API tokens) that outlive its revocation.
 */
export function currentAccountAuth(request: FastifyRequest, what: string): Authenticated {
  const auth = currentAuth(request);
  if (auth.appPassword) throw new AppError(403, 'forbidden', `${what} are created from a signed-in session`);
  return auth;
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  secure: boolean,
  maxAgeSeconds: number,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** Who is calling, as sessions and share visits record it. */
export function clientInfo(request: FastifyRequest): ClientInfo {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null };
}
