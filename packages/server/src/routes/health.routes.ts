import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { healthResponse } from '@idrive/shared';

export async function healthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/health',
    { config: { public: true }, schema: { tags: ['system'], response: { 200: healthResponse } } },
    async () => ({ status: 'ok' as const }),
  );
}
