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
import { currentUser } from '../http/auth.js';
import { presentDetails, presentItem } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['items'];

export function itemRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/items/:id',
      { schema: { tags, params: idParams, response: { 200: itemDetails } } },
      async (request) => {
        const { item: row, path } = await ctx.items.details(currentUser(request), request.params.id);
        const version = row.version_id ? await ctx.files.openVersion(row.version_id) : null;
        return presentDetails(row, path, version?.version.sha256 ?? null);
      },
    );

    app.patch(
      '/items/:id',
      {
        config: { permission: 'upload' },
        schema: { tags, params: idParams, body: updateItemBody, response: { 200: item } },
      },
      async (request) =>
        presentItem(await ctx.items.update(currentUser(request), request.params.id, request.body)),
    );

    app.post(
      '/items/copy',
      { config: { permission: 'upload' }, schema: { tags, body: copyBody, response: { 201: itemList } } },
      async (request, reply) => {
        const copies = await ctx.items.copy(currentUser(request), request.body.ids, request.body.parentId);
        return reply.code(201).send({ items: copies.map(presentItem) });
      },
    );

    app.post(
      '/items/trash',
      { config: { permission: 'delete' }, schema: { tags, body: idsBody, response: { 200: okResponse } } },
      async (request) => {
        await ctx.items.trash(currentUser(request), request.body.ids);
        return { ok: true as const };
      },
    );
  };
}
