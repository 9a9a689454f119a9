import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { downloadQuery, idParams, zipDownloadQuery } from '@idrive/shared';
import { currentAuth } from '../http/auth.js';
import { sendZip } from '../http/content.js';
import { FollowedDownloads } from '../http/followed-downloads.js';
import type { UserRow } from '../db/schema.js';
import { badRequest } from '../lib/app-error.js';
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
      plan: (skip: ReadonlySet<string>, user: UserRow) => Promise<ZipDownload>,
    ) {
      const auth = currentAuth(request);
      const download = await followed.begin(request);
      const skip = await ctx.locks.closedFolders(auth);
      const zip = await ctx.zipPlanning.run(request.ip, () => plan(skip, auth.user));
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
        plannedZip(request, reply, async (skip, user) => {
          // The archive is read from the folder's owner's drive: the user's own, or one shared with them.
          const folder = await ctx.items.get(user, request.params.id);
          return ctx.zips.ofFolder(folder.owner_id, folder.id, skip);
        }),
    });

    app.route({
      method: ['GET', 'HEAD'],
      url: '/zip',
      config: { locks: { 'query.ids': 'contents' } },
      exposeHeadRoute: false,
      schema: { tags, querystring: zipDownloadQuery },
      onSend: followed.onSend,
      handler: (request, reply) =>
        plannedZip(request, reply, async (skip, user) => {
          const selected = await Promise.all(request.query.ids.map((id) => ctx.items.get(user, id)));
          const owners = new Set(selected.map((item) => item.owner_id));
          if (owners.size > 1) throw badRequest("Zip one user's items at a time");
          // The common folder names the archive only when the user may see it.
          const parents = new Set(selected.map((item) => item.parent_id));
          const [parentId] = parents;
          const named =
            parents.size === 1 && parentId !== null && (await ctx.access.of(user, parentId!)) !== null;
          return ctx.zips.ofSelection([...owners][0]!, request.query.ids, skip, named);
        }),
    });
  };
}
