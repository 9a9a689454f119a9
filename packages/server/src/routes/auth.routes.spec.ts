import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateTokenResponse, Item, LoginResponse, MeResponse, SessionList } from '@idrive/shared';
import { ADMIN, bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** What a script's sign-in answers: the token is there. */
type ScriptLogin = LoginResponse & { token: string };

describeEachDb('auth routes', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  /** A script's sign-in (the token comes in the body); pass `{ bearer: false }` for a browser's. */
  function login(username: string, password: string, extra: Record<string, unknown> = {}, headers = {}) {
    return t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers,
      payload: { username, password, bearer: true, ...extra },
    });
  }

  function me(headers: Record<string, string>, cookies?: Record<string, string>) {
    return t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers,
      ...(cookies ? { cookies } : {}),
    });
  }

  function sessions(token: string) {
    return t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(token) });
  }

  /** A fresh user and their password, so tests that revoke sessions do not disturb each other. */
  async function freshUser() {
    const { user, token } = await t.createUser(['upload', 'delete', 'share']);
    return { user, token, password: 'user-password-1' };
  }

  describe('login', () => {
    it('finding 17: a browser sign-in sets an HttpOnly session cookie and keeps the token out of the body', async () => {
      const res = await login(ADMIN.username, ADMIN.password, { bearer: undefined });
      expect(res.statusCode).toBe(200);
      const body = res.json<LoginResponse>();
      expect(body).not.toHaveProperty('token');
      expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(body.user).toMatchObject({ username: ADMIN.username, disabled: false });
      expect(body.user.permissions).toEqual(expect.arrayContaining(['upload', 'delete', 'share', 'admin']));
      expect(JSON.stringify(body)).not.toMatch(/argon2|password/i);

      const cookie = res.cookies.find((c) => c.name === 'idrive_session');
      expect(cookie).toBeDefined();
      expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(res.body).not.toContain(cookie!.value);
      expect(cookie!.httpOnly).toBe(true);
      expect(cookie!.path).toBe('/');
      expect(String(cookie!.sameSite).toLowerCase()).toBe('lax');
      expect(cookie!.maxAge).toBe(30 * 86_400);

      const who = await me({}, { idrive_session: cookie!.value });
      expect(who.statusCode).toBe(200);
      expect(who.json<MeResponse>().user.id).toBe(body.user.id);
      expect(who.json<MeResponse>().csrfToken).toBe(body.csrfToken);
    });

    it('finding 17: a script sign-in (bearer: true) gets the token in the body, and it works at once', async () => {
      const res = await login(ADMIN.username, ADMIN.password, { bearer: true });
      expect(res.statusCode).toBe(200);
      const body = res.json<LoginResponse>();
      expect(body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(body.csrfToken).not.toBe(body.token);
      expect(res.cookies.find((c) => c.name === 'idrive_session')).toBeUndefined();

      const who = await me(bearer(body.token!));
      expect(who.statusCode).toBe(200);
      expect(who.json<MeResponse>().user.id).toBe(body.user.id);
    });

    it('ignores the case of the username', async () => {
      const res = await login(ADMIN.username.toUpperCase(), ADMIN.password);
      expect(res.statusCode).toBe(200);
      expect(res.json<ScriptLogin>().user.username).toBe(ADMIN.username);
    });

    it('refuses a wrong password with 401 in the error envelope, and sets no cookie', async () => {
      const res = await login(ADMIN.username, 'not-the-password');
      expect(res.statusCode).toBe(401);
      const body = res.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe('unauthorized');
      expect(typeof body.error.message).toBe('string');
      expect(body.error.message.length).toBeGreaterThan(0);
      expect(Object.keys(body)).toEqual(['error']);
      expect(res.cookies.find((c) => c.name === 'idrive_session')).toBeUndefined();
    });

    it('answers an unknown username exactly like a wrong password', async () => {
      const unknown = await login('nobody-by-this-name', 'whatever-password');
      const wrong = await login(ADMIN.username, 'whatever-password');
      expect(unknown.statusCode).toBe(401);
      expect(unknown.json()).toEqual(wrong.json());
    });

    it('rejects a bad body with 400 validation_failed naming the field', async () => {
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: ADMIN.username },
      });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(/password/);

      const empty = await login('', 'x');
      expect(empty.statusCode).toBe(400);
      expect(errorCode(empty)).toBe('validation_failed');
      expect(empty.json<{ error: { message: string } }>().error.message).toMatch(/username/);
    });

    it('names the session after the device name, or the browser and OS of the user agent', async () => {
      const { user, password, token } = await freshUser();
      await login(user.username, password, { deviceName: 'Work laptop' });
      await login(user.username, password, {}, { 'user-agent': FIREFOX_LINUX });
      const names = sessions(token).then((r) => r.json<SessionList>().sessions.map((s) => s.name));
      expect(await names).toEqual(expect.arrayContaining(['Work laptop', 'Firefox on Linux']));
    });
  });

  describe('sessions and cookies', () => {
    it('refuses requests without a session, or with an unknown token, with 401', async () => {
      const none = await me({});
      expect(none.statusCode).toBe(401);
      expect(errorCode(none)).toBe('unauthorized');
      const bogus = await me(bearer('not-a-real-token'));
      expect(bogus.statusCode).toBe(401);
      expect(errorCode(bogus)).toBe('unauthorized');
      const badCookie = await me({}, { idrive_session: 'not-a-real-token' });
      expect(badCookie.statusCode).toBe(401);
    });

    it('accepts the session cookie for GET /auth/me', async () => {
      const body = (await login(ADMIN.username, ADMIN.password)).json<ScriptLogin>();
      const res = await me({}, { idrive_session: body.token });
      expect(res.statusCode).toBe(200);
      expect(res.json<MeResponse>()).toMatchObject({
        user: { username: ADMIN.username },
        csrfToken: body.csrfToken,
      });
    });

    it('requires the X-CSRF-Token header on cookie-authenticated changes, and not with a bearer token', async () => {
      const body = (await login(ADMIN.username, ADMIN.password)).json<ScriptLogin>();
      const rootFolderId = body.user.rootFolderId;
      const create = (name: string, headers: Record<string, string>, cookies?: Record<string, string>) =>
        t.drive.app.inject({
          method: 'POST',
          url: '/api/v1/folders',
          headers,
          ...(cookies ? { cookies } : {}),
          payload: { parentId: rootFolderId, name },
        });
      const cookies = { idrive_session: body.token };

      const missing = await create('csrf-missing', {}, cookies);
      expect(missing.statusCode).toBe(403);
      expect(errorCode(missing)).toBe('csrf_failed');

      const wrong = await create('csrf-wrong', { 'x-csrf-token': body.csrfToken.slice(1) + 'x' }, cookies);
      expect(wrong.statusCode).toBe(403);
      expect(errorCode(wrong)).toBe('csrf_failed');

      // Another session's CSRF token does not fit this session.
      const other = (await login(ADMIN.username, ADMIN.password)).json<ScriptLogin>();
      const foreign = await create('csrf-foreign', { 'x-csrf-token': other.csrfToken }, cookies);
      expect(foreign.statusCode).toBe(403);

      const right = await create('csrf-right', { 'x-csrf-token': body.csrfToken }, cookies);
      expect(right.statusCode).toBe(201);
      expect(right.json<Item>().name).toBe('csrf-right');

      const viaBearer = await create('csrf-bearer', bearer(body.token));
      expect(viaBearer.statusCode).toBe(201);

      // Nothing was created by the refused requests.
      const list = await t.drive.app.inject({
        method: 'GET',
        url: '/api/v1/folders/root',
        headers: bearer(body.token),
      });
      const names = list.json<{ items: Item[] }>().items.map((i) => i.name);
      expect(names).toEqual(expect.arrayContaining(['csrf-right', 'csrf-bearer']));
      expect(names).not.toContain('csrf-missing');
      expect(names).not.toContain('csrf-wrong');
      expect(names).not.toContain('csrf-foreign');
    });

    it('lists the sessions with the current one marked, and revokes one by id', async () => {
      const { user, password, token: first } = await freshUser();
      const second = (await login(user.username, password)).json<ScriptLogin>().token;

      const list = await sessions(first);
      expect(list.statusCode).toBe(200);
      const all = list.json<SessionList>().sessions;
      expect(all).toHaveLength(2);
      const firstId = (await me(bearer(first))).json<MeResponse>().sessionId;
      const secondId = (await me(bearer(second))).json<MeResponse>().sessionId;
      expect(all.find((s) => s.id === firstId)?.current).toBe(true);
      expect(all.find((s) => s.id === secondId)?.current).toBe(false);
      expect(all.every((s) => s.kind === 'browser')).toBe(true);
      expect(all.every((s) => s.expiresAt !== null)).toBe(true);
      expect(JSON.stringify(all)).not.toContain(second);

      const revoke = await t.drive.app.inject({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${secondId}`,
        headers: bearer(first),
      });
      expect(revoke.statusCode).toBe(200);
      expect((await me(bearer(second))).statusCode).toBe(401);
      expect((await me(bearer(first))).statusCode).toBe(200);
      expect((await sessions(first)).json<SessionList>().sessions.map((s) => s.id)).toEqual([firstId]);

      const again = await t.drive.app.inject({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${secondId}`,
        headers: bearer(first),
      });
      expect(again.statusCode).toBe(404);
    });

    it('cannot revoke another user’s session', async () => {
      const a = await freshUser();
      const b = await freshUser();
      const bSession = (await me(bearer(b.token))).json<MeResponse>().sessionId;
      const res = await t.drive.app.inject({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${bSession}`,
        headers: bearer(a.token),
      });
      expect(res.statusCode).toBe(404);
      expect((await me(bearer(b.token))).statusCode).toBe(200);
    });

    it('logs out the current session only, and clears the cookie', async () => {
      const { user, password, token: first } = await freshUser();
      const second = (await login(user.username, password)).json<ScriptLogin>().token;
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: bearer(second),
      });
      expect(res.statusCode).toBe(200);
      const cleared = res.cookies.find((c) => c.name === 'idrive_session');
      expect(cleared?.value ?? '').toBe('');
      expect((await me(bearer(second))).statusCode).toBe(401);
      expect((await me(bearer(first))).statusCode).toBe(200);
    });

    it('logout-all revokes every session of the user, and only theirs', async () => {
      const { user, password, token: first } = await freshUser();
      const second = (await login(user.username, password)).json<ScriptLogin>().token;
      const other = await freshUser();
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout-all',
        headers: bearer(first),
      });
      expect(res.statusCode).toBe(200);
      expect((await me(bearer(first))).statusCode).toBe(401);
      expect((await me(bearer(second))).statusCode).toBe(401);
      expect((await me(bearer(other.token))).statusCode).toBe(200);
      // Signing in again still works.
      expect((await login(user.username, password)).statusCode).toBe(200);
    });
  });

  describe('API tokens', () => {
    it('creates a named bearer token of kind "token" that works and is listed', async () => {
      const { token } = await freshUser();
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/tokens',
        headers: bearer(token),
        payload: { name: '  backup script  ' },
      });
      expect(res.statusCode).toBe(201);
      const created = res.json<CreateTokenResponse>();
      expect(created.session).toMatchObject({
        kind: 'token',
        name: 'backup script',
        current: false,
      });
      expect(created.token).not.toBe(token);

      const who = await me(bearer(created.token));
      expect(who.statusCode).toBe(200);
      expect(who.json<MeResponse>().sessionId).toBe(created.session.id);

      const listed = (await sessions(token))
        .json<SessionList>()
        .sessions.find((s) => s.id === created.session.id);
      expect(listed).toMatchObject({ kind: 'token', name: 'backup script' });

      // A token can change things without a CSRF token.
      const folder = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/folders',
        headers: bearer(created.token),
        payload: { parentId: who.json<MeResponse>().user.rootFolderId, name: 'by-token' },
      });
      expect(folder.statusCode).toBe(201);

      // Revoking it ends it.
      await t.drive.app.inject({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${created.session.id}`,
        headers: bearer(token),
      });
      expect((await me(bearer(created.token))).statusCode).toBe(401);
    });

    it('finding 17: a token created without an expiry still expires, after IDRIVE_TOKEN_TTL_DAYS', async () => {
      const { token } = await freshUser();
      const before = Date.now();
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/tokens',
        headers: bearer(token),
        payload: { name: 'no expiry given' },
      });
      expect(res.statusCode).toBe(201);
      const expires = Date.parse(res.json<CreateTokenResponse>().session.expiresAt!);
      const ttl = t.config.tokenTtlDays * 86_400_000;
      expect(t.config.tokenTtlDays).toBe(90);
      expect(expires).toBeGreaterThanOrEqual(before + ttl - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + ttl + 1000);
    });

    it('gives an expiring token its expiry, and validates the body', async () => {
      const { token } = await freshUser();
      const before = Date.now();
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/tokens',
        headers: bearer(token),
        payload: { name: 'week', expiresInDays: 7 },
      });
      expect(res.statusCode).toBe(201);
      const expires = Date.parse(res.json<CreateTokenResponse>().session.expiresAt!);
      expect(expires).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000 + 1000);

      const bad = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/tokens',
        headers: bearer(token),
        payload: { name: '   ' },
      });
      expect(bad.statusCode).toBe(400);
      expect(errorCode(bad)).toBe('validation_failed');
      expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/name/);
    });
  });

  describe('password change', () => {
    it('refuses a wrong current password with 403 and changes nothing', async () => {
      const { user, password, token } = await freshUser();
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: bearer(token),
        payload: { currentPassword: 'wrong-password', newPassword: 'another-password-2' },
      });
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('forbidden');
      expect((await login(user.username, password)).statusCode).toBe(200);
      expect((await me(bearer(token))).statusCode).toBe(200);
    });

    it('rejects a too short new password with validation_failed naming newPassword', async () => {
      const { password, token } = await freshUser();
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: bearer(token),
        payload: { currentPassword: password, newPassword: 'short' },
      });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(/newPassword/);
    });

    it('changes the password, signs out the other sessions and keeps the current one', async () => {
      const { user, password, token: current } = await freshUser();
      const other = (await login(user.username, password)).json<ScriptLogin>().token;
      const apiToken = (
        await t.drive.app.inject({
          method: 'POST',
          url: '/api/v1/auth/tokens',
          headers: bearer(other),
          payload: { name: 'script' },
        })
      ).json<CreateTokenResponse>().token;

      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: bearer(current),
        payload: { currentPassword: password, newPassword: 'brand-new-password-9' },
      });
      expect(res.statusCode).toBe(200);
      expect((await me(bearer(current))).statusCode).toBe(200);
      expect((await me(bearer(other))).statusCode).toBe(401);
      expect((await me(bearer(apiToken))).statusCode).toBe(401);
      expect((await sessions(current)).json<SessionList>().sessions).toHaveLength(1);

      expect((await login(user.username, 'brand-new-password-9')).statusCode).toBe(200);
      expect((await login(user.username, password)).statusCode).toBe(401);
    });
  });

  describe('disabled accounts', () => {
    it('a disabled user cannot sign in and their sessions stop working; re-enabled they can', async () => {
      const { user, password, token } = await freshUser();
      const apiToken = (
        await t.drive.app.inject({
          method: 'POST',
          url: '/api/v1/auth/tokens',
          headers: bearer(token),
          payload: { name: 'script' },
        })
      ).json<CreateTokenResponse>().token;

      const disable = await t.drive.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${user.id}`,
        headers: bearer(t.adminToken),
        payload: { disabled: true },
      });
      expect(disable.statusCode).toBe(200);
      expect((await me(bearer(token))).statusCode).toBe(401);
      expect((await me(bearer(apiToken))).statusCode).toBe(401);
      const refused = await login(user.username, password);
      expect(refused.statusCode).toBe(401);
      expect(errorCode(refused)).toBe('unauthorized');

      await t.drive.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${user.id}`,
        headers: bearer(t.adminToken),
        payload: { disabled: false },
      });
      expect((await login(user.username, password)).statusCode).toBe(200);
    });

    it('a session that outlives disabling (written straight to the database) is still refused', async () => {
      const { user, token } = await freshUser();
      // Disable in the database without the service's session cleanup: authentication itself must check.
      await t.drive.repos.users.update(user.id, { disabled: 1 });
      expect((await me(bearer(token))).statusCode).toBe(401);
      await t.drive.repos.users.update(user.id, { disabled: 0 });
      expect((await me(bearer(token))).statusCode).toBe(200);
    });
  });
});

describeEachDb('login throttling', (dialect) => {
  describe('per account', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ dialect, env: { IDRIVE_LOGIN_ATTEMPTS_PER_ACCOUNT: '3' } });
    });
    afterAll(() => t.close());

    const login = (username: string, password: string, remoteAddress = '127.0.0.1') =>
      t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        payload: { username, password },
      });

    it('finding 6: wrong passwords from one address slow that address down, not the account from elsewhere', async () => {
      const other = await t.createUser([], 'bystander');
      const attacker = '203.0.113.66';
      for (let i = 0; i < 3; i++) {
        expect((await login(ADMIN.username, `wrong-${i}`, attacker)).statusCode).toBe(401);
      }

      const throttled = await login(ADMIN.username, ADMIN.password, attacker);
      expect(throttled.statusCode).toBe(429);
      expect(errorCode(throttled)).toBe('too_many_requests');
      const retryAfter = Number(throttled.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      // The count is per account whatever the case of the name.
      expect((await login(ADMIN.username.toUpperCase(), ADMIN.password, attacker)).statusCode).toBe(429);

      // The attacker keeps hammering; the admin, from their own address, still gets in.
      for (let i = 0; i < 5; i++) {
        expect((await login(ADMIN.username, `more-${i}`, attacker)).statusCode).toBe(429);
      }
      expect((await login(ADMIN.username, ADMIN.password, '10.9.8.7')).statusCode).toBe(200);
      expect((await login(ADMIN.username, ADMIN.password)).statusCode).toBe(200);

      // Other accounts are not affected.
      expect((await login(other.user.username, 'user-password-1')).statusCode).toBe(200);
      // Sessions opened before keep working.
      const who = await t.drive.app.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: bearer(t.adminToken),
      });
      expect(who.statusCode).toBe(200);
    });

    it('a successful sign-in resets the account’s count', async () => {
      const u = await t.createUser([], 'resetter');
      expect((await login(u.user.username, 'wrong-a')).statusCode).toBe(401);
      expect((await login(u.user.username, 'wrong-b')).statusCode).toBe(401);
      expect((await login(u.user.username, 'user-password-1')).statusCode).toBe(200);
      expect((await login(u.user.username, 'wrong-c')).statusCode).toBe(401);
      expect((await login(u.user.username, 'wrong-d')).statusCode).toBe(401);
      // Two failures since the reset: still under the limit of three.
      expect((await login(u.user.username, 'user-password-1')).statusCode).toBe(200);
    });
  });

  describe('per IP', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        dialect,
        env: { IDRIVE_LOGIN_ATTEMPTS_PER_IP: '4', IDRIVE_LOGIN_ATTEMPTS_PER_ACCOUNT: '100' },
      });
    });
    afterAll(() => t.close());

    const login = (username: string, password: string, remoteAddress: string) =>
      t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        payload: { username, password },
      });

    it('refuses an address that failed with many different usernames, but not other addresses', async () => {
      const attacker = '203.0.113.7';
      for (const name of ['alice', 'bob', 'carol', 'dave']) {
        expect((await login(name, 'guess-password', attacker)).statusCode).toBe(401);
      }
      const throttled = await login(ADMIN.username, ADMIN.password, attacker);
      expect(throttled.statusCode).toBe(429);
      expect(errorCode(throttled)).toBe('too_many_requests');
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);

      expect((await login(ADMIN.username, ADMIN.password, '198.51.100.1')).statusCode).toBe(200);
    });
  });
});
