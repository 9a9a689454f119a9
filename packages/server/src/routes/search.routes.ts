import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { searchQuery, searchResponse } from '@idrive/shared';
import { currentAuth } from '../http/auth.js';
import { presentSearchHit } from '../http/search-presenters.js';
import type { RouteContext } from './context.js';

export function searchRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/search',
      {
        config: { locks: { 'query.in': 'contents' } },
        schema: { tags: ['search'], querystring: searchQuery, response: { 200: searchResponse } },
      },
      async (request) => {
        const auth = currentAuth(request);
        const query = request.query;
        // Searching inside a locked folder needs it open (the route's lock rule); elsewhere, closed
        // locked folders' contents are simply not found.
        const closed = await ctx.locks.closedFolders(auth);
        const { hits, total } = await ctx.search.search(auth.user, query, closed);
        const rows = hits.map((h) => h.item);
        const [locked, starred] = await Promise.all([
          ctx.locks.lockedAmong(rows),
          ctx.stars.among(auth.user, rows),
        ]);
        return {
          items: hits.map((hit) => presentSearchHit(hit, locked, starred)),
          total,
          offset: query.offset,
          limit: query.limit,
        };
      },
    );
  };
}
