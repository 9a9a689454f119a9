import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { downloadParams, okResponse } from '@idrive/shared';
import { currentUser } from '../http/auth.js';
import type { RouteContext } from './context.js';

const tags = ['downloads'];

export function downloadRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    // 202: the response is cut by whichever instance sends it; its `cancelled` event says when.
    app.post(
      '/downloads/:id/cancel',
      {
        config: { lockExempt: 'the id names a download of this user in flight, not an item' },
        schema: { tags, params: downloadParams, response: { 202: okResponse } },
      },
      async (request, reply) => {
        await ctx.downloads.cancel(currentUser(request).id, request.params.id);
        return reply.code(202).send({ ok: true });
      },
    );
  };
}
