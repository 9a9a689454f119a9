import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { startOwnRedis, testRedisPrefix } from '../../test/helpers/test-redis.js';

describe('system routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers health checks without a session', async () => {
    const res = await t.drive.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'off' });
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

describe.runIf(process.env.TEST_DATABASE_URL)('health in cluster mode', () => {
  it('reports Redis, and answers 503 once Redis is gone rather than going on alone', async () => {
    const redis = await startOwnRedis();
    const t = await startTestApp({
      dialect: 'postgres',
      env: {
        DATABASE_URL: process.env.TEST_DATABASE_URL!,
        REDIS_URL: redis.url,
        REDIS_PREFIX: testRedisPrefix(),
        IDRIVE_MASTER_KEY: 'cd'.repeat(32),
      },
    });
    try {
      const up = await t.drive.app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(up.statusCode).toBe(200);
      expect(up.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
      await redis.kill();
      const down = await t.drive.app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: 'unavailable', database: 'ok', redis: 'down' });
    } finally {
      await t.close();
    }
  });

  it('refuses to start when Redis cannot be reached', async () => {
    const redis = await startOwnRedis();
    await redis.kill();
    await expect(
      startTestApp({
        dialect: 'postgres',
        env: {
          DATABASE_URL: process.env.TEST_DATABASE_URL!,
          REDIS_URL: redis.url,
          IDRIVE_MASTER_KEY: 'cd'.repeat(32),
        },
      }),
    ).rejects.toThrow(/Cannot reach Redis at redis:\/\/127\.0\.0\.1/);
  });
});
