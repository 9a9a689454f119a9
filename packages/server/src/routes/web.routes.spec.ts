import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';

describe('serving the web app', () => {
  let webDir: string;
  let t: TestApp;

  beforeAll(async () => {
    webDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-web-'));
    await mkdir(path.join(webDir, 'assets'));
    await writeFile(
      path.join(webDir, 'index.html'),
      '<!doctype html><title>I Drive</title><div id="app"></div>',
    );
    await writeFile(path.join(webDir, 'assets', 'app.js'), 'console.log("app")');
    t = await startTestApp({ env: { IDRIVE_WEB_DIR: webDir } });
  });
  afterAll(async () => {
    await t.close();
    await rm(webDir, { recursive: true, force: true });
  });

  it('serves index.html and assets without a session', async () => {
    const index = await t.drive.app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.body).toContain('<title>I Drive</title>');
    const asset = await t.drive.app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log("app")');
  });

  it("answers the app's own paths with index.html, so a reload works", async () => {
    const deep = await t.drive.app.inject({ method: 'GET', url: '/folders/123/anything' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>I Drive</title>');
  });

  it('keeps unknown API paths a JSON 404, signed in or not', async () => {
    const signedIn = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/no-such-route',
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(signedIn.statusCode).toBe(404);
    expect(errorCode(signedIn)).toBe('not_found');
    const anonymous = await t.drive.app.inject({ method: 'GET', url: '/api/v1/no-such-route' });
    expect(anonymous.statusCode).toBe(404);
    expect(errorCode(anonymous)).toBe('not_found');
  });

  it('says how to build the app when it is not built', async () => {
    const bare = await startTestApp({ env: { IDRIVE_WEB_DIR: path.join(webDir, 'missing') } });
    try {
      const res = await bare.drive.app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build');
    } finally {
      await bare.close();
    }
  });
});
