import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  createShareBody,
  idParams,
  okResponse,
  share,
  shareList,
  shareListQuery,
  shareVisits,
  updateShareBody,
  visitsQuery,
} from '@idrive/shared';
import type { ShareRow } from '../db/schema.js';
import { currentUser } from '../http/auth.js';
import { presentShare, presentVisit } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['shares'];

/** The owner's side of share links: create, list, edit, revoke, and see who came. */
export function shareRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const config = { permission: 'share' as const };
    // A link to something inside a closed locked folder is managed once that folder is open.
    const ofShare = { ...config, locks: { share: 'item' as const } };

    const present = async (rows: ShareRow[]) => {
      const items = await ctx.shares.itemsOf(rows);
      return rows.filter((r) => items.has(r.item_id)).map((r) => presentShare(r, items.get(r.item_id)!));
    };

    app.post(
      '/shares',
      {
        config: { ...config, locks: { 'body.itemId': 'item' } },
        schema: { tags, body: createShareBody, response: { 201: share } },
      },
      async (request, reply) => {
        // The owner must be able to see what they share (an unlocked folder still cannot be shared).
        const row = await ctx.shares.create(currentUser(request), request.body);
        return reply.code(201).send((await present([row]))[0]!);
      },
    );

    app.get(
      '/shares',
      { config, schema: { tags, querystring: shareListQuery, response: { 200: shareList } } },
      async (request) => ({
        shares: await present(await ctx.shares.list(currentUser(request), request.query.itemId)),
      }),
    );

    app.get(
      '/shares/:id',
      { config: ofShare, schema: { tags, params: idParams, response: { 200: share } } },
      async (request) => (await present([await ctx.shares.get(currentUser(request), request.params.id)]))[0]!,
    );

    app.patch(
      '/shares/:id',
      {
        config: ofShare,
        schema: { tags, params: idParams, body: updateShareBody, response: { 200: share } },
      },
      async (request) =>
        (await present([await ctx.shares.update(currentUser(request), request.params.id, request.body)]))[0]!,
    );

    app.delete(
      '/shares/:id',
      {
        config: {
          ...config,
          lockExempt: 'revoking a link only takes access away, so it never needs a password',
        },
        schema: { tags, params: idParams, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.shares.revoke(currentUser(request), request.params.id);
        return { ok: true as const };
      },
    );

    app.get(
      '/shares/:id/visits',
      {
        config: ofShare,
        schema: { tags, params: idParams, querystring: visitsQuery, response: { 200: shareVisits } },
      },
      async (request) => {
        const { visits, total } = await ctx.shares.visits(
          currentUser(request),
          request.params.id,
          request.query.offset,
          request.query.limit,
        );
        return { visits: visits.map(presentVisit), total };
      },
    );
  };
}
