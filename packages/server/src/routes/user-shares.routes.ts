import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  accessList,
  grantAccessBody,
  idParams,
  pageQuery,
  revokeAccessBody,
  sharedWithMeListing,
  userLookup,
  userLookupQuery,
  type AccessList,
} from '@idrive/shared';
import { currentAuth, currentUser } from '../http/auth.js';
import { presentSearchHit } from '../http/search-presenters.js';
import type { People } from '../services/user-share.service.js';
import type { RouteContext } from './context.js';

const tags = ['sharing with users'];
const iso = (ms: number) => new Date(ms).toISOString();

function presentPeople({ item, owner, entries }: People): AccessList {
  return {
    itemId: item.id,
    owner: { id: owner.id, username: owner.username },
    entries: entries.map((row) => ({
      user: { id: row.grantee_id, username: row.grantee_name },
      role: row.role,
      grantedBy:
        row.granted_by === null || row.granter_name === null
          ? null
          : { id: row.granted_by, username: row.granter_name },
      grantedAt: iso(row.granted_at),
    })),
  };
}

/**
 * Sharing files and folders with other users of the drive. Only an item's owner sees and changes who
 * has access; sharing needs the share permission, ending someone's access does not (an owner can
 * always take back what they gave). Like everything that names an item, these honour folder locks
 * above it.
 */
export function userShareRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/items/:id/access',
      {
        config: { locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, response: { 200: accessList } },
      },
      async (request) => presentPeople(await ctx.userShares.people(currentUser(request), request.params.id)),
    );

    app.put(
      '/items/:id/access',
      {
        config: { permission: 'share', locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, body: grantAccessBody, response: { 200: accessList } },
      },
      async (request) => {
        const { userId, role } = request.body;
        return presentPeople(
          await ctx.userShares.grant(currentUser(request), request.params.id, userId, role),
        );
      },
    );

    app.delete(
      '/items/:id/access',
      {
        config: { locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, body: revokeAccessBody, response: { 200: accessList } },
      },
      async (request) =>
        presentPeople(
          await ctx.userShares.revoke(currentUser(request), request.params.id, request.body.userId),
        ),
    );

    // A list without an id, like Starred: what lies inside closed locked folders is left out.
    app.get(
      '/shared-with-me',
      { schema: { tags, querystring: pageQuery, response: { 200: sharedWithMeListing } } },
      async (request) => {
        const auth = currentAuth(request);
        const closed = await ctx.locks.closedFolders(auth);
        const { rows, total } = await ctx.userShares.sharedWithMe(auth.user, request.query, closed);
        const [hits, locked, starred] = await Promise.all([
          ctx.search.describe(auth.user, rows),
          ctx.locks.lockedAmong(rows),
          ctx.stars.among(auth.user, rows),
        ]);
        return {
          items: hits.map((hit) => ({
            ...presentSearchHit(hit, locked, starred),
            sharedAt: iso(hit.item.granted_at),
          })),
          total,
          offset: request.query.offset,
          limit: request.query.limit,
        };
      },
    );

    // Whom to share with: active users by part of their name, and nothing about them but id and name.
    app.get(
      '/users/lookup',
      {
        config: { permission: 'share' },
        schema: { tags, querystring: userLookupQuery, response: { 200: userLookup } },
      },
      async (request) => ({
        users: await ctx.userShares.lookup(currentUser(request), request.query.q, request.query.limit),
      }),
    );
  };
}
