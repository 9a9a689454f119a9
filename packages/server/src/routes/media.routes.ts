import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParams } from '@idrive/shared';
import { currentUser } from '../http/auth.js';
import { sendContent } from '../http/content.js';
import type { RouteContext } from './context.js';

const tags = ['files'];

export function mediaRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    // The thumbnail is served like a small file of its own: an ETag (its SHA-256), Range and a
    // private cache header. A file inside a locked folder shows nothing until the folder is unlocked.
    app.get(
      '/files/:id/thumbnail',
      { config: { locks: { 'params.id': 'contents' } }, schema: { tags, params: idParams } },
      async (request, reply) => {
        const thumbnail = await ctx.media.thumbnail(currentUser(request), request.params.id);
        return sendContent(request, reply, ctx.files, thumbnail, 'inline');
      },
    );

    // The full-size upright JPEG of a camera RAW or HEIC file (formats browsers cannot draw), made by
    // the background job and guarded like the thumbnail and the file's content.
    app.get(
      '/files/:id/preview',
      { config: { locks: { 'params.id': 'contents' } }, schema: { tags, params: idParams } },
      async (request, reply) => {
        const user = currentUser(request);
        const preview = await ctx.media.preview(user, request.params.id);
        ctx.recent.opened(user, preview.item.id);
        return sendContent(request, reply, ctx.files, preview, 'inline');
      },
    );
  };
}
