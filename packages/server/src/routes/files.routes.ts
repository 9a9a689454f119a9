import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fileContentQuery, fileInfo, idParams, item, replaceContentQuery } from '@idrive/shared';
import { currentUser, requirePermission } from '../http/auth.js';
import { matchesEtag, sendContent, versionEtag } from '../http/content.js';
import { FollowedDownloads } from '../http/followed-downloads.js';
import { declaredLength } from '../http/raw-body.js';
import { presentDetails, presentItem } from '../http/presenters.js';
import { presentTagSummary } from '../http/search-presenters.js';
import type { RouteContext } from './context.js';

const tags = ['files'];

export function fileRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const followed = new FollowedDownloads(ctx.downloads, 'file');

    // GET and HEAD share the handler; it reads no chunk for HEAD. `?download=<id>` follows it.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/files/:id/content',
      exposeHeadRoute: false,
      config: { locks: { 'params.id': 'contents' } },
      schema: { tags, params: idParams, querystring: fileContentQuery },
      onSend: followed.onSend,
      handler: async (request, reply) => {
        const download = await followed.begin(request);
        const user = currentUser(request);
        const file = await ctx.files.open(user, request.params.id);
        // Noted, not waited for; a HEAD (a download manager's first question) reads nothing.
        if (request.method === 'GET') ctx.recent.opened(user, file.item.id);
        download?.describe({ name: file.item.name, totalBytes: file.version.size });
        return sendContent(request, reply, ctx.files, file, request.query.disposition, download);
      },
    });

    app.get(
      '/files/:id/info',
      {
        config: { locks: { 'params.id': 'contents' } },
        schema: { tags, params: idParams, response: { 200: fileInfo } },
      },
      async (request) => {
        const user = currentUser(request);
        const file = await ctx.files.open(user, request.params.id);
        const { path } = await ctx.items.details(user, file.item.id);
        const [starred, marks, tagRows] = await Promise.all([
          ctx.stars.among(user, [file.item]),
          ctx.access.marks(user, [file.item]),
          ctx.tags.tagsOfItem(user, file.item.id),
        ]);
        return {
          ...presentDetails(file.item, path, file.version.sha256, undefined, starred, marks),
          tags: tagRows.map(presentTagSummary),
          storage: await ctx.files.storageInfo(file.version),
          media: await ctx.media.info(file.version.id),
        };
      },
    );

    // New bytes for the same file (the editor's save), streamed like a raw upload: this route gets a
    // parser that leaves the body unread, whatever its type. If-Match with the ETag the client read
    // makes a save over someone else's newer edit fail with 412 instead of overwriting it.
    await app.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser('*', (_request, _payload, done) => done(null));
      raw.withTypeProvider<ZodTypeProvider>().put(
        '/files/:id/content',
        {
          config: { permission: 'upload', locks: { 'params.id': 'contents' } },
          schema: { tags, params: idParams, querystring: replaceContentQuery, response: { 200: item } },
        },
        async (request) => {
          const user = currentUser(request);
          requirePermission(user, 'delete');
          const ifMatch = request.headers['if-match'];
          const file = await ctx.files.replaceContent(user, request.params.id, request.raw, {
            declaredSize: declaredLength(request),
            sha256: request.query.sha256,
            accepts: ifMatch ? (version) => matchesEtag(ifMatch, versionEtag(version)) : undefined,
          });
          return presentItem(file);
        },
      );
    });
  };
}
