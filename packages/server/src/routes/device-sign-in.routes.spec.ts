import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEVICE_SIGN_IN_TTL_SECONDS,
  formatShortCode,
  type DeviceSignInRequest,
  type MeResponse,
  type SessionList,
} from '@idrive/shared';
import { hashToken } from '../lib/token-hash.js';
import { PHONE_UA, decide, pollAs, pollBody, startPhone } from '../../test/helpers/device-sign-in.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const SIGN_INS_PER_IP = 4;

describeEachDb('device sign-in routes', (dialect) => {
  let t: TestApp;
  /** Each test's phone asks from an address of its own, so the per-address limit is its own too. */
  let address = 0;
  const nextAddress = () => `198.51.100.${++address}`;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_DEVICE_SIGN_INS_PER_IP: String(SIGN_INS_PER_IP) } });
  });
  afterAll(() => t.close());
  afterEach(() => vi.useRealTimers());

  const sessionCookie = (res: { cookies: { name: string; value: string }[] }) =>
    res.cookies.find((c) => c.name === 'idrive_session')?.value;
  const me = (headers: Record<string, string>, cookies?: Record<string, string>) =>
    t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers, ...(cookies ? { cookies } : {}) });
  const sessions = async (token: string) =>
    (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(token) })
    ).json<SessionList>().sessions;

  it('approved, the phone gets a working session of its own, listed and revocable, never the approver’s', async () => {
    const laptop = await t.createUser();
    const ip = nextAddress();
    const phone = await startPhone(t, ip);
    expect(phone.url).toMatch(/^\/pair#[A-Za-z0-9_-]{43}$/);
    // 256 random bits in the URL; the short code is 10 letters of a 32-letter alphabet.
    expect(phone.shortCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    const ttl = Date.parse(phone.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(DEVICE_SIGN_IN_TTL_SECONDS * 1000 - 5000);
    expect(ttl).toBeLessThanOrEqual(DEVICE_SIGN_IN_TTL_SECONDS * 1000);
    expect(pollBody(await phone.poll())).toEqual({ status: 'pending', expiresAt: phone.expiresAt });

    const asked = await decide(t, laptop.token, 'lookup', phone.code);
    expect(asked.statusCode).toBe(200);
    expect(asked.json<DeviceSignInRequest>()).toEqual({
      deviceName: 'Chrome on Android',
      userAgent: PHONE_UA,
      ip,
      createdAt: expect.any(String),
      expiresAt: phone.expiresAt,
    });
    expect(Math.abs(Date.parse(asked.json<DeviceSignInRequest>().createdAt) - Date.now())).toBeLessThan(5000);
    expect((await decide(t, laptop.token, 'approve', phone.code)).statusCode).toBe(200);

    const signedIn = await phone.poll();
    expect(signedIn.statusCode).toBe(200);
    const body = pollBody(signedIn);
    if (body.status !== 'approved') throw new Error(`not approved: ${signedIn.body}`);
    expect(body.user.id).toBe(laptop.user.id);
    const cookie = sessionCookie(signedIn);
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(cookie).not.toBe(laptop.token);
    expect(signedIn.body).not.toContain(cookie!);
    expect(signedIn.body).not.toContain(laptop.token);

    const who = await me({}, { idrive_session: cookie! });
    expect(who.statusCode).toBe(200);
    const phoneMe = who.json<MeResponse>();
    expect(phoneMe.user.id).toBe(laptop.user.id);
    expect(phoneMe.csrfToken).toBe(body.csrfToken);
    const laptopMe = (await me(bearer(laptop.token))).json<MeResponse>();
    expect(phoneMe.sessionId).not.toBe(laptopMe.sessionId);
    expect(phoneMe.csrfToken).not.toBe(laptopMe.csrfToken);

    const listed = (await sessions(laptop.token)).find((s) => s.id === phoneMe.sessionId);
    expect(listed).toMatchObject({ kind: 'browser', name: 'Chrome on Android', userAgent: PHONE_UA, ip });
    // The phone's session works for what changes things too (cookie + CSRF), and ends when revoked.
    const folder = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/folders',
      cookies: { idrive_session: cookie! },
      headers: { 'x-csrf-token': body.csrfToken },
      payload: { parentId: laptop.user.rootFolderId, name: 'From the phone' },
    });
    expect(folder.statusCode).toBe(201);
    const revoke = await t.drive.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${phoneMe.sessionId}`,
      headers: bearer(laptop.token),
    });
    expect(revoke.statusCode).toBe(200);
    expect((await me({}, { idrive_session: cookie! })).statusCode).toBe(401);
    expect((await me(bearer(laptop.token))).statusCode).toBe(200);
  });

  it('the short code works as typed: lower case, with or without its dash or spaces', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    const typed = ` ${formatShortCode(phone.shortCode).toLowerCase()} `;
    expect((await decide(t, laptop.token, 'lookup', typed)).statusCode).toBe(200);
    expect((await decide(t, laptop.token, 'approve', phone.shortCode.split('').join(' '))).statusCode).toBe(
      200,
    );
    expect(pollBody(await phone.poll()).status).toBe('approved');
  });

  it('denied, the phone is told so and gets no session; the code cannot then be approved', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    expect((await decide(t, laptop.token, 'deny', phone.code)).statusCode).toBe(200);
    const res = await phone.poll();
    expect(pollBody(res)).toEqual({ status: 'denied' });
    expect(sessionCookie(res)).toBeUndefined();
    const late = await decide(t, laptop.token, 'approve', phone.code);
    expect(late.statusCode).toBe(404);
    expect(pollBody(await phone.poll())).toEqual({ status: 'denied' });
  });

  it('expires after its time: then it cannot be looked up, approved or collected', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    const other = await startPhone(t, nextAddress());
    expect((await decide(t, laptop.token, 'approve', other.code)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + DEVICE_SIGN_IN_TTL_SECONDS * 1000 + 1000 });
    expect(pollBody(await phone.poll())).toEqual({ status: 'expired' });
    expect((await decide(t, laptop.token, 'lookup', phone.code)).statusCode).toBe(404);
    expect((await decide(t, laptop.token, 'approve', phone.shortCode)).statusCode).toBe(404);
    // Approved but never collected in time: it expires too, and no session is made.
    const before = (await sessions(laptop.token)).length;
    const late = await other.poll();
    expect(pollBody(late)).toEqual({ status: 'expired' });
    expect(sessionCookie(late)).toBeUndefined();
    expect(await sessions(laptop.token)).toHaveLength(before);
    // Maintenance removes the rows once they have expired.
    await t.drive.maintenance.run(Date.now());
    const left = await t.drive.repos.devicePairings.findBy(
      'device_secret_hash',
      hashToken(phone.deviceSecret),
    );
    expect(left).toBeUndefined();
  });

  it('an approval late in its life still leaves the phone time to collect it', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start + DEVICE_SIGN_IN_TTL_SECONDS * 1000 - 2000 });
    expect((await decide(t, laptop.token, 'approve', phone.code)).statusCode).toBe(200);
    vi.setSystemTime(start + DEVICE_SIGN_IN_TTL_SECONDS * 1000 + 10_000);
    expect(pollBody(await phone.poll()).status).toBe('approved');
  });

  it('is single-use: a second collection, approval or lookup is refused', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    expect((await decide(t, laptop.token, 'approve', phone.code)).statusCode).toBe(200);
    expect((await decide(t, laptop.token, 'approve', phone.code)).statusCode).toBe(404);
    const first = await phone.poll();
    expect(pollBody(first).status).toBe('approved');
    const before = (await sessions(laptop.token)).length;
    const again = await phone.poll();
    expect(again.statusCode).toBe(404);
    expect(sessionCookie(again)).toBeUndefined();
    expect((await decide(t, laptop.token, 'lookup', phone.code)).statusCode).toBe(404);
    expect((await decide(t, laptop.token, 'deny', phone.shortCode)).statusCode).toBe(404);
    expect(await sessions(laptop.token)).toHaveLength(before);
  });

  it('two collections at once make one session', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    expect((await decide(t, laptop.token, 'approve', phone.code)).statusCode).toBe(200);
    const before = (await sessions(laptop.token)).length;
    const results = await Promise.all([phone.poll(), phone.poll(), phone.poll()]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 404, 404]);
    expect(await sessions(laptop.token)).toHaveLength(before + 1);
  });

  it('someone with only the pairing URL (or the short code) cannot collect the session', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    expect((await decide(t, laptop.token, 'approve', phone.code)).statusCode).toBe(200);
    const seen = [phone.code, phone.url, phone.shortCode, formatShortCode(phone.shortCode)];
    for (const secret of seen) {
      const res = await pollAs(t, secret);
      expect(res.statusCode, secret).toBe(404);
      expect(sessionCookie(res)).toBeUndefined();
    }
    // Nor can they approve it for themselves without signing in, or start a pairing that is this one.
    const anonymous = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/device-sign-in/approve',
      payload: { code: phone.code },
    });
    expect(anonymous.statusCode).toBe(401);
    // The phone that holds the device secret still gets in, as the approver.
    const real = pollBody(await phone.poll());
    expect(real.status === 'approved' && real.user.id).toBe(laptop.user.id);
  });

  it('limits the sign-ins one address starts; other addresses are not held back', async () => {
    const ip = nextAddress();
    for (let i = 0; i < SIGN_INS_PER_IP; i++) await startPhone(t, ip);
    const refused = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/device-sign-in',
      remoteAddress: ip,
    });
    expect(refused.statusCode).toBe(429);
    expect(errorCode(refused)).toBe('too_many_requests');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await expect(startPhone(t, nextAddress())).resolves.toMatchObject({ shortCode: expect.any(String) });
  });

  it('limits wrong codes per user, and a right one then waits too', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    const wrong = await Promise.all(
      Array.from({ length: 10 }, (_, i) => decide(t, laptop.token, 'lookup', `not-a-code-${i}`)),
    );
    expect(wrong.map((r) => r.statusCode)).toEqual(Array<number>(10).fill(404));
    const throttled = await decide(t, laptop.token, 'lookup', phone.code);
    expect(throttled.statusCode).toBe(429);
    // Another user is not held back by it.
    const other = await t.createUser();
    expect((await decide(t, other.token, 'lookup', phone.code)).statusCode).toBe(200);
  });

  it('a disabled user cannot approve, and an approval from one who is disabled since signs nobody in', async () => {
    const laptop = await t.createUser();
    const phone = await startPhone(t, nextAddress());
    expect((await decide(t, laptop.token, 'approve', phone.code)).statusCode).toBe(200);
    const disable = (id: string) =>
      t.drive.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${id}`,
        headers: bearer(t.adminToken),
        payload: { disabled: true },
      });
    expect((await disable(laptop.user.id)).statusCode).toBe(200);
    const res = await phone.poll();
    expect(res.statusCode).toBe(403);
    expect(sessionCookie(res)).toBeUndefined();

    const other = await t.createUser();
    const second = await startPhone(t, nextAddress());
    expect((await disable(other.user.id)).statusCode).toBe(200);
    expect((await decide(t, other.token, 'approve', second.code)).statusCode).toBe(401);
    expect(pollBody(await second.poll()).status).toBe('pending');
  });

  it('an app password cannot approve a device', async () => {
    const laptop = await t.createUser();
    const created = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/account/app-passwords',
      headers: bearer(laptop.token),
      payload: { name: 'sync' },
    });
    const secret = created.json<{ secret: string }>().secret;
    const phone = await startPhone(t, nextAddress());
    const res = await decide(t, secret, 'approve', phone.code);
    expect(res.statusCode).toBe(403);
    expect(pollBody(await phone.poll()).status).toBe('pending');
  });

  describe('bad input', () => {
    it('answers 400 for a missing or empty code or device secret, and changes nothing', async () => {
      const laptop = await t.createUser();
      const phone = await startPhone(t, nextAddress());
      for (const payload of [{}, { code: '' }, { code: 'x'.repeat(201) }, { code: 5 }]) {
        for (const step of ['lookup', 'approve', 'deny'] as const) {
          const res = await t.drive.app.inject({
            method: 'POST',
            url: `/api/v1/auth/device-sign-in/${step}`,
            headers: bearer(laptop.token),
            payload,
          });
          expect(res.statusCode, `${step} ${JSON.stringify(payload)}`).toBe(400);
          expect(errorCode(res)).toBe('validation_failed');
        }
      }
      for (const payload of [{}, { deviceSecret: '' }, { deviceSecret: 'x'.repeat(201) }]) {
        const res = await t.drive.app.inject({
          method: 'POST',
          url: '/api/v1/auth/device-sign-in/poll',
          payload,
        });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      }
      expect(pollBody(await phone.poll()).status).toBe('pending');
    });
  });
});
