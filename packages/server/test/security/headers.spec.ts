import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

describe('security headers', () => {
  let webDir: string;
  let t: TestApp;

  beforeAll(async () => {
    webDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-web-'));
    await mkdir(path.join(webDir, 'assets'));
    await writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>I Drive</title>');
    await writeFile(path.join(webDir, 'assets', 'index-Ab12Cd.js'), 'console.log("app")');
    await writeFile(path.join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    t = await startTestApp({ env: { IDRIVE_WEB_DIR: webDir } });
  });
  afterAll(async () => {
    await t.close();
    await rm(webDir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.drive.app.inject({ method: 'GET', url, headers });

  it('finding 11: the app, its assets and the API forbid framing, sniffing and referrers, under one CSP', async () => {
    const responses = [
      await get('/'),
      await get('/folders/123'),
      await get('/assets/index-Ab12Cd.js'),
      await get('/api/v1/health'),
      await get('/api/v1/folders/root', bearer(t.adminToken)),
      await get('/api/v1/folders/root'),
      await get('/api/v1/no-such-route'),
    ];
    for (const res of responses) {
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('finding 11: index.html is served no-cache however it is reached, hashed assets stay immutable', async () => {
    for (const url of ['/', '/index.html', '/folders/abc/def']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect([url, res.headers['cache-control']]).toEqual([url, 'no-cache']);
    }
    const asset = await get('/assets/index-Ab12Cd.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await get('/favicon.svg');
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
  });

  it("finding 11: a file's content keeps its sandbox policy and may be framed by the app only", async () => {
    const root = await get('/api/v1/folders/root', bearer(t.adminToken));
    const put = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${root.json<Listing>().folder.id}/files/page.html`,
      headers: { ...bearer(t.adminToken), 'content-type': 'text/html' },
      payload: '<script>alert(1)</script>',
    });
    expect(put.statusCode).toBe(201);
    const res = await get(`/api/v1/files/${put.json<Item>().id}/content`, bearer(t.adminToken));
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/^sandbox;/);
    expect(csp).toContain("frame-ancestors 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });
});
