import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { healthResponse, type HealthResponse } from '@idrive/shared';

/** What the health check asks; `redis` is absent when the drive runs as one instance. */
export interface HealthChecks {
  database(): Promise<boolean>;
  redis?: () => Promise<boolean>;
}

export function healthRoutes(checks: HealthChecks) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/health',
      {
        config: { public: true },
        schema: { tags: ['system'], response: { 200: healthResponse, 503: healthResponse } },
      },
      async (_req, reply) => {
        const [database, redis] = await Promise.all([
          answers(checks.database),
          checks.redis ? answers(checks.redis) : undefined,
        ]);
        const health: HealthResponse = {
          status: database && redis !== false ? 'ok' : 'unavailable',
          database: database ? 'ok' : 'down',
          redis: redis === undefined ? 'off' : redis ? 'ok' : 'down',
        };
        // An instance that lost Redis answers 503, so the balancer stops sending it work rather than
        // letting it go on apart from the others.
        return reply.code(health.status === 'ok' ? 200 : 503).send(health);
      },
    );
  };
}

async function answers(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}
