import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPasswordList, CreateAppPasswordResponse, Listing } from '@idrive/shared';
import { AppError } from '../lib/app-error.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const CLIENT = { ip: '10.0.0.7', userAgent: 'test' };

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    if (err instanceof AppError) return err.status;
    throw err;
  }
}

describeEachDb('app passwords', (dialect) => {
  let t: TestApp;
  let owner: { token: string; username: string; id: string };

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_LOGIN_ATTEMPTS_PER_ACCOUNT: '3' } });
    const created = await t.createUser();
    owner = { token: created.token, username: created.user.username, id: created.user.id };
  });
  afterAll(() => t.close());

  async function create(token: string, body: { name: string; readOnly?: boolean }) {
    const res = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/account/app-passwords',
      headers: bearer(token),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<CreateAppPasswordResponse>();
  }

  async function list(token: string) {
    const res = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/account/app-passwords',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
    return res.json<AppPasswordList>().appPasswords;
  }

  const root = (secret: string) =>
    t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: bearer(secret) });

  it('shows the secret once, with its prefix, and keeps only its SHA-256', async () => {
    const { secret, appPassword } = await create(owner.token, { name: 'laptop' });
    expect(secret).toMatch(/^idrive_ap_[A-Za-z0-9_-]{43}$/);
    expect(appPassword).toMatchObject({ name: 'laptop', readOnly: false, lastUsedAt: null });
    const listed = await list(owner.token);
    expect(listed.find((p) => p.id === appPassword.id)).toEqual(appPassword);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(10));
    const row = await t.drive.repos.appPasswords.findBySecretHash(
      createHash('sha256').update(secret).digest('hex'),
    );
    expect(row?.id).toBe(appPassword.id);
    expect(JSON.stringify(row)).not.toContain(secret.slice(10));
  });

  it('works as a bearer token and records its last use at most once a minute', async () => {
    const { secret, appPassword } = await create(owner.token, { name: 'cli' });
    const res = await root(secret);
    expect(res.statusCode).toBe(200);
    const mine = (await root(owner.token)).json<Listing>().folder.id;
    expect(res.json<Listing>().folder.id).toBe(mine);
    const first = (await list(owner.token)).find((p) => p.id === appPassword.id)!.lastUsedAt;
    expect(first).not.toBeNull();
    await new Promise((r) => setTimeout(r, 5));
    expect((await root(secret)).statusCode).toBe(200);
    expect((await list(owner.token)).find((p) => p.id === appPassword.id)!.lastUsedAt).toBe(first);
  });

  it('stops working the moment it is revoked', async () => {
    const { secret, appPassword } = await create(owner.token, { name: 'old phone' });
    expect((await root(secret)).statusCode).toBe(200);
    const revoke = await t.drive.app.inject({
      method: 'DELETE',
      url: `/api/v1/account/app-passwords/${appPassword.id}`,
      headers: bearer(owner.token),
    });
    expect(revoke.statusCode).toBe(200);
    expect((await root(secret)).statusCode).toBe(401);
    expect((await list(owner.token)).map((p) => p.id)).not.toContain(appPassword.id);
    expect(await t.drive.context.appPasswords.verify(owner.username, secret)).toBeNull();
  });

  it('refuses a read-only one on anything that writes, and changes nothing', async () => {
    const { secret } = await create(owner.token, { name: 'backup reader', readOnly: true });
    const listing = await root(secret);
    expect(listing.statusCode).toBe(200);
    const rootId = listing.json<Listing>().folder.id;
    const writes = [
      { method: 'POST' as const, url: '/api/v1/folders', payload: { parentId: rootId, name: 'nope' } },
      { method: 'PUT' as const, url: `/api/v1/folders/${rootId}/files/nope.txt`, payload: 'x' },
      { method: 'POST' as const, url: '/api/v1/tags', payload: { name: 'nope' } },
    ];
    for (const write of writes) {
      const res = await t.drive.app.inject({ ...write, headers: bearer(secret) });
      expect(res.statusCode, write.url).toBe(403);
      expect(errorCode(res)).toBe('read_only');
    }
    const tus = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { ...bearer(secret), 'tus-resumable': '1.0.0', 'upload-length': '1' },
    });
    expect(tus.statusCode).toBe(403);
    const after = (await root(owner.token)).json<Listing>();
    expect(after.items.map((i) => i.name)).not.toContain('nope');
    expect(after.items.map((i) => i.name)).not.toContain('nope.txt');
  });

  it('cannot mint other app passwords or API tokens', async () => {
    const { secret } = await create(owner.token, { name: 'script' });
    for (const url of ['/api/v1/account/app-passwords', '/api/v1/auth/tokens']) {
      const res = await t.drive.app.inject({
        method: 'POST',
        url,
        headers: bearer(secret),
        payload: { name: 'another' },
      });
      expect(res.statusCode, url).toBe(403);
    }
    const sessions = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: bearer(owner.token),
    });
    expect(
      sessions.json<{ sessions: { name: string | null }[] }>().sessions.map((s) => s.name),
    ).not.toContain('another');
  });

  it("is not another user's to see or revoke", async () => {
    const { secret, appPassword } = await create(owner.token, { name: 'mine' });
    const other = await t.createUser();
    expect((await list(other.token)).map((p) => p.id)).not.toContain(appPassword.id);
    const res = await t.drive.app.inject({
      method: 'DELETE',
      url: `/api/v1/account/app-passwords/${appPassword.id}`,
      headers: bearer(other.token),
    });
    expect(res.statusCode).toBe(404);
    expect(await t.drive.context.appPasswords.verify(other.user.username, secret)).toBeNull();
    expect((await root(secret)).statusCode).toBe(200);
  });

  it('refuses unknown and malformed secrets', async () => {
    expect((await root('idrive_ap_' + 'A'.repeat(43))).statusCode).toBe(401);
    expect((await root('idrive_ap_')).statusCode).toBe(401);
  });

  describe('verifyBasic, for Basic-auth gateways', () => {
    it('takes an app password (with its read-only flag) or the account password', async () => {
      const basic = t.drive.context.appPasswords;
      const { secret, appPassword } = await create(owner.token, { name: 'dav', readOnly: true });
      const viaApp = await basic.verifyBasic(owner.username.toUpperCase(), secret, CLIENT);
      expect(viaApp).toMatchObject({ readOnly: true, appPasswordId: appPassword.id });
      expect(viaApp.user.id).toBe(owner.id);
      const viaAccount = await basic.verifyBasic(owner.username, 'user-password-1', CLIENT);
      expect(viaAccount).toMatchObject({ readOnly: false, appPasswordId: null });
    });

    it('throttles wrong and unknown secrets, then refuses even the right one for a while', async () => {
      const basic = t.drive.context.appPasswords;
      const victim = await t.createUser();
      const { secret } = await create(victim.token, { name: 'dav' });
      const client = { ip: '10.0.0.99', userAgent: null };
      const wrong = [
        'wrong-password',
        'idrive_ap_' + 'B'.repeat(43),
        secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'),
      ];
      for (const attempt of wrong) {
        expect(await statusOf(basic.verifyBasic(victim.user.username, attempt, client))).toBe(401);
      }
      expect(await statusOf(basic.verifyBasic(victim.user.username, secret, client))).toBe(429);
      // Someone else's address is not held back by it.
      const elsewhere = await basic.verifyBasic(victim.user.username, secret, {
        ip: '10.0.0.100',
        userAgent: null,
      });
      expect(elsewhere.user.id).toBe(victim.user.id);
    });
  });
});

describeEachDb('app passwords when required for Basic auth', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_REQUIRE_APP_PASSWORDS: 'true' } });
  });
  afterAll(() => t.close());

  it('refuses the account password and takes an app password', async () => {
    const { user, token } = await t.createUser();
    const res = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/account/app-passwords',
      headers: bearer(token),
      payload: { name: 'dav' },
    });
    const { secret } = res.json<CreateAppPasswordResponse>();
    const basic = t.drive.context.appPasswords;
    expect(basic.requireAppPasswords).toBe(true);
    expect(await statusOf(basic.verifyBasic(user.username, 'user-password-1', CLIENT))).toBe(401);
    expect((await basic.verifyBasic(user.username, secret, CLIENT)).user.id).toBe(user.id);
  });
});
