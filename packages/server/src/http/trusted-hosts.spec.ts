import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawRequest } from '../../test/helpers/route-walk.js';
import { bearer, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { allowedHosts } from './trusted-hosts.js';

describe('trusted hosts', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function start(env: Record<string, string> = {}) {
    t = await startTestApp({ env });
    const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    return { t, base, port: new URL(base).port };
  }

  it('finding 2: refuses a request addressed to a foreign name (DNS rebinding), signed in or not', async () => {
    const { t, base, port } = await start();
    const me = (host: string) =>
      rawRequest(base, 'GET', '/api/v1/auth/me', { host, ...bearer(t.adminToken) });
    expect((await me(`evil.example:${port}`)).status).toBe(421);
    expect(JSON.parse((await me('evil.example')).body).error.code).toBe('untrusted_host');
    // The web app's shell and unknown paths are refused the same way.
    expect((await rawRequest(base, 'GET', '/', { host: 'evil.example' })).status).toBe(421);
    expect((await rawRequest(base, 'GET', '/nowhere', { host: 'evil.example' })).status).toBe(421);
    for (const host of [`localhost:${port}`, `LOCALHOST.:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await me(host)).status, host).toBe(200);
    }
  });

  it('finding 2: refuses a websocket upgrade addressed to a foreign name', async () => {
    const { t, port } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/events`, {
        headers: { host: `evil.example:${port}`, ...bearer(t.adminToken) },
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        reject(new Error('the upgrade was accepted'));
      });
      ws.on('error', () => undefined);
    });
    expect(status).toBe(421);
  });

  it('finding 2: answers to the names set in IDRIVE_TRUSTED_HOSTS and IDRIVE_PUBLIC_URL, whose https makes cookies Secure', async () => {
    const { t, base } = await start({
      IDRIVE_TRUSTED_HOSTS: 'nas.lan, Drive.Example.org',
      IDRIVE_PUBLIC_URL: 'https://files.example.com/',
    });
    for (const host of ['nas.lan', 'drive.example.org:443', 'files.example.com']) {
      expect((await rawRequest(base, 'GET', '/api/v1/health', { host })).status, host).toBe(200);
    }
    expect((await rawRequest(base, 'GET', '/api/v1/health', { host: 'other.example.com' })).status).toBe(421);
    const login = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { host: 'files.example.com' },
      payload: { username: 'admin', password: 'admin-password-1' },
    });
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('listening on every interface trusts the addresses of this machine, and "*" turns the check off', () => {
    const all = allowedHosts({ trustedHosts: [], publicUrl: undefined, listenHost: '0.0.0.0' });
    expect(all).not.toBe('any');
    expect([...(all as Set<string>)]).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '::1']));
    expect((all as Set<string>).has('evil.example')).toBe(false);
    expect(allowedHosts({ trustedHosts: ['*'], publicUrl: undefined, listenHost: '127.0.0.1' })).toBe('any');
  });
});
