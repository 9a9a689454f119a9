import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idsBody, okResponse, pageQuery, recentListing, starredListing } from '@idrive/shared';
import { currentAuth } from '../http/auth.js';
import { presentSearchHit } from '../http/search-presenters.js';
import type { RouteContext } from './context.js';

const tags = ['starred and recent'];
const iso = (ms: number) => new Date(ms).toISOString();

export function starredRecentRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    // A star is part of an item's entry, like a tag: only locks above the item keep it from being starred.
    app.post(
      '/items/star',
      {
        config: { locks: { 'body.ids': 'item' } },
        schema: { tags, body: idsBody, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.stars.star(currentAuth(request).user, request.body.ids);
        return { ok: true as const };
      },
    );

    app.post(
      '/items/unstar',
      {
        config: { locks: { 'body.ids': 'item' } },
        schema: { tags, body: idsBody, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.stars.unstar(currentAuth(request).user, request.body.ids);
        return { ok: true as const };
      },
    );

    // Lists without an id, like search and the trash: what lies inside closed locked folders is left out.
    app.get(
      '/starred',
      { schema: { tags, querystring: pageQuery, response: { 200: starredListing } } },
      async (request) => {
        const auth = currentAuth(request);
        const closed = await ctx.locks.closedFolders(auth);
        const { rows, total } = await ctx.stars.list(auth.user, request.query, closed);
        const [hits, locked] = await Promise.all([
          ctx.search.describe(auth.user, rows),
          ctx.locks.lockedAmong(rows),
        ]);
        const starred = new Set(rows.map((row) => row.id));
        return {
          items: hits.map((hit) => ({
            ...presentSearchHit(hit, locked, starred),
            starredAt: iso(hit.item.starred_at),
          })),
          total,
          offset: request.query.offset,
          limit: request.query.limit,
        };
      },
    );

    app.get(
      '/recent',
      { schema: { tags, querystring: pageQuery, response: { 200: recentListing } } },
      async (request) => {
        const auth = currentAuth(request);
        const closed = await ctx.locks.closedFolders(auth);
        const { rows, total } = await ctx.recent.list(auth.user, request.query, closed);
        const [hits, starred] = await Promise.all([
          ctx.search.describe(auth.user, rows),
          ctx.stars.among(auth.user, rows),
        ]);
        return {
          items: hits.map((hit) => ({
            ...presentSearchHit(hit, new Set(), starred),
            action: hit.item.action,
            at: iso(hit.item.recent_at),
          })),
          total,
          offset: request.query.offset,
          limit: request.query.limit,
        };
      },
    );
  };
}
