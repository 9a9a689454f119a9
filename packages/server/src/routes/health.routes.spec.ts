import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';

describe('system routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers health checks without a session', async () => {
    const res = await t.drive.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('publishes an OpenAPI document of the public contract', async () => {
    const res = await t.drive.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    for (const [path, method] of [
      ['/api/v1/health', 'get'],
      ['/api/v1/auth/login', 'post'],
      ['/api/v1/folders/root', 'get'],
      ['/api/v1/folders/{id}/children', 'get'],
      ['/api/v1/folders', 'post'],
      ['/api/v1/folders/{id}/files/{name}', 'put'],
      ['/api/v1/files/{id}/content', 'get'],
      ['/api/v1/uploads', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const login = doc.paths['/api/v1/auth/login']!.post as { requestBody?: unknown };
    expect(JSON.stringify(login.requestBody)).toContain('username');
  });
});
