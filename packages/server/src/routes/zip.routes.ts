import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParams, zipQuery } from '@idrive/shared';
import { currentAuth } from '../http/auth.js';
import { sendZip } from '../http/content.js';
import type { RouteContext } from './context.js';

const tags = ['zip'];

export function zipRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    // Locked folders that this session has not opened are left out, wherever they are in the tree.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/folders/:id/zip',
      config: { locks: { 'params.id': 'contents' } },
      exposeHeadRoute: false,
      schema: { tags, params: idParams },
      handler: async (request, reply) => {
        const auth = currentAuth(request);
        const skip = await ctx.locks.closedFolders(auth);
        const zip = await ctx.zipPlanning.run(request.ip, () =>
          ctx.zips.ofFolder(auth.user.id, request.params.id, skip),
        );
        return sendZip(request, reply, zip);
      },
    });

    app.route({
      method: ['GET', 'HEAD'],
      url: '/zip',
      config: { locks: { 'query.ids': 'contents' } },
      exposeHeadRoute: false,
      schema: { tags, querystring: zipQuery },
      handler: async (request, reply) => {
        const auth = currentAuth(request);
        const skip = await ctx.locks.closedFolders(auth);
        const zip = await ctx.zipPlanning.run(request.ip, () =>
          ctx.zips.ofSelection(auth.user.id, request.query.ids, skip),
        );
        return sendZip(request, reply, zip);
      },
    });
  };
}
