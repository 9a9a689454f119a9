import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  changeItemTagsBody,
  createTagBody,
  idParams,
  okResponse,
  tag,
  tagList,
  updateTagBody,
} from '@idrive/shared';
import { currentAuth, currentUser } from '../http/auth.js';
import { presentTag } from '../http/search-presenters.js';
import type { RouteContext } from './context.js';

const openApiTags = ['tags'];

export function tagRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/tags', { schema: { tags: openApiTags, response: { 200: tagList } } }, async (request) => {
      const rows = await ctx.tags.list(
        currentUser(request),
        await ctx.locks.closedFolders(currentAuth(request)),
      );
      return { tags: rows.map(presentTag) };
    });

    app.post(
      '/tags',
      { schema: { tags: openApiTags, body: createTagBody, response: { 201: tag } } },
      async (request, reply) => {
        const row = await ctx.tags.create(currentUser(request), request.body);
        return reply.code(201).send(presentTag(row));
      },
    );

    app.patch(
      '/tags/:id',
      {
        config: { lockExempt: 'the id names a tag, not an item' },
        schema: { tags: openApiTags, params: idParams, body: updateTagBody, response: { 200: tag } },
      },
      async (request) => {
        return presentTag(await ctx.tags.update(currentUser(request), request.params.id, request.body));
      },
    );

    app.delete(
      '/tags/:id',
      {
        config: { lockExempt: 'the id names a tag, not an item' },
        schema: { tags: openApiTags, params: idParams, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.tags.remove(currentUser(request), request.params.id);
        return { ok: true as const };
      },
    );

    app.post(
      '/items/tags',
      {
        config: { locks: { 'body.ids': 'item' } },
        schema: { tags: openApiTags, body: changeItemTagsBody, response: { 200: okResponse } },
      },
      async (request) => {
        const auth = currentAuth(request);
        // Tags are part of an item's entry, like its name: only locks above the item count.
        await ctx.tags.change(auth.user, request.body);
        return { ok: true as const };
      },
    );
  };
}
