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
import { z } from 'zod';
import type { ShareRow, UserRow } from '../db/schema.js';
import { currentUser } from '../http/auth.js';
import { presentShare, presentVisit } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['shares'];

const userShareParams = z.object({ id: idParams.shape.id, shareId: idParams.shape.id });

/**
 * The owner's side of share links: create, list, edit, revoke, and see who came; and an admin's
 * view of any user's links. Making and changing a link needs the share permission; seeing and
 * revoking one does not, so a user whose permission was taken away still sees what is out there
 * (suspended) and can end it.
 */
export function shareRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const config = { permission: 'share' as const };
    // A link to something inside a closed locked folder is managed once that folder is open.
    const ofShare = { locks: { share: 'item' as const } };
    const admin = {
      permission: 'admin' as const,
      lockExempt: 'an admin manages a user’s links without opening the items they share',
    };

    const present = async (rows: ShareRow[], owner: UserRow) => {
      const items = await ctx.shares.itemsOf(rows);
      return rows
        .filter((r) => items.has(r.item_id))
        .map((r) =>
          presentShare(r, {
            item: items.get(r.item_id)!,
            token: ctx.shares.linkToken(r),
            suspended: ctx.shares.suspended(r, owner),
            publicUrl: ctx.config.publicUrl,
          }),
        );
    };
    const presentOne = async (row: ShareRow, owner: UserRow) => (await present([row], owner))[0]!;

    app.post(
      '/shares',
      {
        config: { ...config, locks: { 'body.itemId': 'item' } },
        schema: { tags, body: createShareBody, response: { 201: share } },
      },
      async (request, reply) => {
        // The owner must be able to see what they share (an unlocked folder still cannot be shared).
        const user = currentUser(request);
        return reply.code(201).send(await presentOne(await ctx.shares.create(user, request.body), user));
      },
    );

    app.get(
      '/shares',
      { schema: { tags, querystring: shareListQuery, response: { 200: shareList } } },
      async (request) => {
        const user = currentUser(request);
        return { shares: await present(await ctx.shares.list(user, request.query.itemId), user) };
      },
    );

    app.get(
      '/shares/:id',
      { config: ofShare, schema: { tags, params: idParams, response: { 200: share } } },
      async (request) => {
        const user = currentUser(request);
        return presentOne(await ctx.shares.get(user, request.params.id), user);
      },
    );

    app.patch(
      '/shares/:id',
      {
        config: { ...config, ...ofShare },
        schema: { tags, params: idParams, body: updateShareBody, response: { 200: share } },
      },
      async (request) => {
        const user = currentUser(request);
        return presentOne(await ctx.shares.update(user, request.params.id, request.body), user);
      },
    );

    app.delete(
      '/shares/:id',
      {
        config: { lockExempt: 'revoking a link only takes access away, so it never needs a password' },
        schema: { tags, params: idParams, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.shares.revoke(currentUser(request).id, request.params.id);
        return { ok: true as const };
      },
    );

    app.get(
      '/users/:id/shares',
      { config: admin, schema: { tags, params: idParams, response: { 200: shareList } } },
      async (request) => {
        const { owner, shares } = await ctx.shares.listOf(request.params.id);
        return { shares: await present(shares, owner) };
      },
    );

    app.delete(
      '/users/:id/shares/:shareId',
      { config: admin, schema: { tags, params: userShareParams, response: { 200: okResponse } } },
      async (request) => {
        await ctx.shares.revoke(request.params.id, request.params.shareId);
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
