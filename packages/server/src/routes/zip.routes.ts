import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { downloadQuery, idParams, zipDownloadQuery } from '@idrive/shared';
import { currentAuth } from '../http/auth.js';
import { sendZip } from '../http/content.js';
import { FollowedDownloads } from '../http/followed-downloads.js';
import type { ZipDownload } from '../services/zip.service.js';
import type { RouteContext } from './context.js';

const tags = ['zip'];

export function zipRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const followed = new FollowedDownloads(ctx.downloads, 'zip');

    /** Plans the archive and sends it; a followed download is `preparing` while it is planned. */
    async function plannedZip(
      request: FastifyRequest,
      reply: FastifyReply,
      plan: (skip: ReadonlySet<string>, userId: string) => Promise<ZipDownload>,
    ) {
      const auth = currentAuth(request);
      const download = await followed.begin(request);
      const skip = await ctx.locks.closedFolders(auth);
      const zip = await ctx.zipPlanning.run(request.ip, () => plan(skip, auth.user.id));
      download?.describe({
        name: zip.name,
        totalBytes: zip.size,
        entries: { total: zip.entries, before: zip.entriesBefore },
      });
      return sendZip(request, reply, zip, download);
    }

    // Locked folders that this session has not opened are left out, wherever they are in the tree.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/folders/:id/zip',
      config: { locks: { 'params.id': 'contents' } },
      exposeHeadRoute: false,
      schema: { tags, params: idParams, querystring: downloadQuery },
      onSend: followed.onSend,
      handler: (request, reply) =>
        plannedZip(request, reply, (skip, userId) => ctx.zips.ofFolder(userId, request.params.id, skip)),
    });

    app.route({
      method: ['GET', 'HEAD'],
      url: '/zip',
      config: { locks: { 'query.ids': 'contents' } },
      exposeHeadRoute: false,
      schema: { tags, querystring: zipDownloadQuery },
      onSend: followed.onSend,
      handler: (request, reply) =>
        plannedZip(request, reply, (skip, userId) => ctx.zips.ofSelection(userId, request.query.ids, skip)),
    });
  };
}
