import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  copyBody,
  idParams,
  idsBody,
  item,
  itemDetails,
  itemList,
  okResponse,
  updateItemBody,
} from '@idrive/shared';
import { currentAuth, currentUser } from '../http/auth.js';
import { presentDetails, presentItem } from '../http/presenters.js';
import { presentTagSummary } from '../http/search-presenters.js';
import type { RouteContext } from './context.js';

const tags = ['items'];

export function itemRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/items/:id',
      {
        config: { locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, response: { 200: itemDetails } },
      },
      async (request) => {
        const user = currentUser(request);
        const { item: row, path } = await ctx.items.details(user, request.params.id);
        const [sha256, locked, starred, marks, tagRows] = await Promise.all([
          ctx.files.sha256Of(row),
          ctx.locks.lockedAmong([row]),
          ctx.stars.among(user, [row]),
          ctx.access.marks(user, [row]),
          ctx.tags.tagsOfItem(user, row.id),
        ]);
        return {
          ...presentDetails(row, path, sha256, locked, starred, marks),
          tags: tagRows.map(presentTagSummary),
        };
      },
    );

    app.patch(
      '/items/:id',
      {
        config: { permission: 'upload', locks: { 'params.id': 'item', 'body.parentId': 'contents' } },
        schema: { tags, params: idParams, body: updateItemBody, response: { 200: item } },
      },
      async (request) => {
        const auth = currentAuth(request);
        const row = await ctx.items.update(auth.user, request.params.id, request.body);
        return presentItem(row, await ctx.locks.lockedAmong([row]));
      },
    );

    app.post(
      '/items/copy',
      {
        // Copying reads what is inside: a locked source must be unlocked first (the copy stays locked).
        config: { permission: 'upload', locks: { 'body.ids': 'contents', 'body.parentId': 'contents' } },
        schema: { tags, body: copyBody, response: { 201: itemList } },
      },
      async (request, reply) => {
        const auth = currentAuth(request);
        const copies = await ctx.items.copy(auth.user, request.body.ids, request.body.parentId);
        const locked = await ctx.locks.lockedAmong(copies);
        return reply.code(201).send({ items: copies.map((row) => presentItem(row, locked)) });
      },
    );

    app.post(
      '/items/trash',
      {
        config: { permission: 'delete', locks: { 'body.ids': 'item' } },
        schema: { tags, body: idsBody, response: { 200: okResponse } },
      },
      async (request) => {
        const auth = currentAuth(request);
        await ctx.items.trash(auth.user, request.body.ids);
        return { ok: true as const };
      },
    );
  };
}
