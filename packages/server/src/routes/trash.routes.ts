import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idsBody, itemList, pageQuery, trashListing } from '@idrive/shared';
import { z } from 'zod';
import { currentAuth, currentUser } from '../http/auth.js';
import { presentItem } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['trash'];
const purged = z.object({ purged: z.number().int() });

export function trashRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/trash',
      { schema: { tags, querystring: pageQuery, response: { 200: trashListing } } },
      async (request) => {
        const { items, total } = await ctx.items.listTrash(
          currentUser(request),
          request.query.offset,
          request.query.limit,
          await ctx.locks.closedFolders(currentAuth(request)),
        );
        const locked = await ctx.locks.lockedAmong(items);
        return { items: items.map((row) => presentItem(row, locked)), total };
      },
    );

    app.post(
      '/trash/restore',
      {
        config: { permission: 'upload', locks: { 'body.ids': 'item' } },
        schema: { tags, body: idsBody, response: { 200: itemList } },
      },
      async (request) => {
        const restored = await ctx.items.restore(currentUser(request), request.body.ids);
        const locked = await ctx.locks.lockedAmong(restored);
        return { items: restored.map((row) => presentItem(row, locked)) };
      },
    );

    app.post(
      '/trash/delete',
      {
        config: { permission: 'delete', locks: { 'body.ids': 'item' } },
        schema: { tags, body: idsBody, response: { 200: purged } },
      },
      async (request) => {
        await ctx.items.deleteForever(currentUser(request), request.body.ids);
        return { purged: request.body.ids.length };
      },
    );

    app.delete(
      '/trash',
      { config: { permission: 'delete' }, schema: { tags, response: { 200: purged } } },
      async (request) => {
        const closed = await ctx.locks.closedFolders(currentAuth(request));
        return { purged: await ctx.items.emptyTrash(currentUser(request), closed) };
      },
    );
  };
}
