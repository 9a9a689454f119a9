import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registerErrorHandling } from './errors.js';
import { registerSerialization } from './serialization.js';

describe('response serialisation', () => {
  async function appReturning(row: unknown) {
    const app = Fastify();
    registerSerialization(app);
    registerErrorHandling(app);
    const user = z.object({ id: z.string(), name: z.string(), tags: z.array(z.object({ id: z.string() })) });
    app.withTypeProvider<ZodTypeProvider>().get(
      '/user',
      { schema: { response: { 200: user } } },
      // A handler that spreads a row it was given, as a careless one might.
      async () => row as z.infer<typeof user>,
    );
    await app.ready();
    return app;
  }

  it('finding 18: a field the response schema does not name never leaves the server, at any depth', async () => {
    const app = await appReturning({
      id: 'u1',
      name: 'ann',
      password_hash: '$argon2id$secret',
      tags: [{ id: 't1', owner_token: 'secret' }],
    });
    const res = await app.inject({ method: 'GET', url: '/user' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'u1', name: 'ann', tags: [{ id: 't1' }] });
    expect(res.body).not.toContain('secret');
    await app.close();
  });

  it('finding 18: a response that breaks its schema fails closed with a 500 envelope', async () => {
    const app = await appReturning({ id: 'u1', name: 42, tags: [] });
    const res = await app.inject({ method: 'GET', url: '/user' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
    await app.close();
  });
});
