import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateAppPasswordResponse } from '@idrive/shared';
import { basic } from '../helpers/dav-client.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

/** WebDAV's Basic auth with app passwords: read-only ones only read, revoked ones stop at once. */
describe('WebDAV with app passwords', () => {
  let t: TestApp;
  let token: string;
  let username: string;
  const password = 'user-password-dav-1';

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(t.adminToken),
      payload: { username: 'davuser', password, permissions: ['upload', 'delete'] },
    });
    expect(res.statusCode).toBe(201);
    username = 'davuser';
    token = await t.login(username, password);
  });
  afterAll(() => t.close());

  async function appPassword(name: string, readOnly: boolean): Promise<{ id: string; secret: string }> {
    const res = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/account/app-passwords',
      headers: bearer(token),
      payload: { name, readOnly },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { secret, appPassword: row } = res.json<CreateAppPasswordResponse>();
    return { id: row.id, secret };
  }

  const dav = (method: string, url: string, secret: string, payload?: string) =>
    t.drive.app.inject({ method: method as 'GET', url, headers: basic(username, secret), payload });

  it('lets a full app password write, and a read-only one only list and read', async () => {
    const full = await appPassword('laptop', false);
    expect((await dav('PUT', '/dav/by-app.txt', full.secret, 'written')).statusCode).toBe(201);
    const readOnly = await appPassword('tv', true);
    expect((await dav('PROPFIND', '/dav/', readOnly.secret)).statusCode).toBe(207);
    const read = await dav('GET', '/dav/by-app.txt', readOnly.secret);
    expect(read.statusCode).toBe(200);
    expect(read.body).toBe('written');
    for (const [method, url] of [
      ['PUT', '/dav/by-app.txt'],
      ['MKCOL', '/dav/new-folder'],
      ['DELETE', '/dav/by-app.txt'],
      ['PROPPATCH', '/dav/by-app.txt'],
    ] as const) {
      const res = await dav(method, url, readOnly.secret, method === 'PUT' ? 'changed' : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('read_only');
    }
    expect((await dav('GET', '/dav/by-app.txt', full.secret)).body).toBe('written');
  });

  it('stops a revoked app password on its next request', async () => {
    const phone = await appPassword('phone', false);
    expect((await dav('PROPFIND', '/dav/', phone.secret)).statusCode).toBe(207);
    const revoked = await t.drive.app.inject({
      method: 'DELETE',
      url: `/api/v1/account/app-passwords/${phone.id}`,
      headers: bearer(token),
    });
    expect(revoked.statusCode).toBe(200);
    expect((await dav('PROPFIND', '/dav/', phone.secret)).statusCode).toBe(401);
  });

  it('takes the account password unless the drive requires app passwords', async () => {
    expect((await dav('PROPFIND', '/dav/', password)).statusCode).toBe(207);
    const strict = await startTestApp({ env: { IDRIVE_REQUIRE_APP_PASSWORDS: 'true' } });
    try {
      const res = await strict.drive.app.inject({
        method: 'PROPFIND',
        url: '/dav/',
        headers: basic('admin', 'admin-password-1'),
      });
      expect(res.statusCode).toBe(401);
    } finally {
      await strict.close();
    }
  });
});
