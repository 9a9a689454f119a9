import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  fileVersionList,
  idParams,
  item,
  okResponse,
  versionContentQuery,
  versionParams,
  versionRetention,
  versionRetentionBody,
} from '@idrive/shared';
import { currentUser } from '../http/auth.js';
import { sendContent } from '../http/content.js';
import { presentItem, presentVersion } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['versions'];

/**
 * A file's version history, guarded as its content is: a file in a locked folder shows no versions
 * until the folder is unlocked. Restoring adds a version (upload); deleting one destroys it (delete).
 */
export function versionRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const locks = { 'params.id': 'contents' } as const;

    app.get(
      '/files/:id/versions',
      { config: { locks }, schema: { tags, params: idParams, response: { 200: fileVersionList } } },
      async (request) => ({
        versions: (await ctx.versions.list(currentUser(request), request.params.id)).map(presentVersion),
      }),
    );

    // GET and HEAD share the handler, as the file's own content does.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/files/:id/versions/:versionId/content',
      exposeHeadRoute: false,
      config: { locks },
      schema: { tags, params: versionParams, querystring: versionContentQuery },
      handler: async (request, reply) => {
        const { id, versionId } = request.params;
        const user = currentUser(request);
        const version = await ctx.versions.open(user, id, versionId);
        // Reading an earlier version is opening the file, for Recent.
        if (request.method === 'GET') ctx.recent.opened(user, id);
        return sendContent(request, reply, ctx.files, version, request.query.disposition);
      },
    });

    app.post(
      '/files/:id/versions/:versionId/restore',
      {
        config: { permission: 'upload', locks },
        schema: { tags, params: versionParams, response: { 200: item } },
      },
      async (request) => {
        const { id, versionId } = request.params;
        return presentItem(await ctx.versions.restore(currentUser(request), id, versionId));
      },
    );

    app.delete(
      '/files/:id/versions/:versionId',
      {
        config: { permission: 'delete', locks },
        schema: { tags, params: versionParams, response: { 200: okResponse } },
      },
      async (request) => {
        const { id, versionId } = request.params;
        await ctx.versions.remove(currentUser(request), id, versionId);
        return { ok: true as const };
      },
    );

    app.get(
      '/account/version-retention',
      { schema: { tags, response: { 200: versionRetention } } },
      async (request) => ctx.versions.retention(currentUser(request)),
    );

    app.put(
      '/account/version-retention',
      { schema: { tags, body: versionRetentionBody, response: { 200: versionRetention } } },
      async (request) => ctx.versions.setRetention(currentUser(request), request.body),
    );
  };
}
