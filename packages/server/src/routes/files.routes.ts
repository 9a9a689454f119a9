import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contentQuery, fileInfo, idParams } from '@idrive/shared';
import { currentAuth, currentUser } from '../http/auth.js';
import { sendContent } from '../http/content.js';
import { presentDetails } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['files'];

export function fileRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    // GET and HEAD share the handler; it reads no chunk for HEAD.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/files/:id/content',
      exposeHeadRoute: false,
      schema: { tags, params: idParams, querystring: contentQuery },
      handler: async (request, reply) => {
        await ctx.locks.check(currentAuth(request), request.params.id, 'contents');
        const file = await ctx.files.open(currentUser(request), request.params.id);
        return sendContent(request, reply, ctx.files, file, request.query.disposition);
      },
    });

    app.get(
      '/files/:id/info',
      { schema: { tags, params: idParams, response: { 200: fileInfo } } },
      async (request) => {
        const user = currentUser(request);
        await ctx.locks.check(currentAuth(request), request.params.id, 'contents');
        const file = await ctx.files.open(user, request.params.id);
        const { path } = await ctx.items.details(user, file.item.id);
        return {
          ...presentDetails(file.item, path, file.version.sha256),
          storage: await ctx.files.storageInfo(file.version),
          media: await ctx.media.info(file.version.id),
        };
      },
    );
  };
}
