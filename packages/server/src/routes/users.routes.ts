import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createUserBody, idParams, okResponse, updateUserBody, user, userList } from '@idrive/shared';
import { currentUser } from '../http/auth.js';
import { presentUser } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['users'];
const config = { permission: 'admin' as const };
const ofUser = { ...config, lockExempt: 'the id names a user account, not an item' };

export function userRoutes(ctx: RouteContext, onUserRemoved: (uploadIds: string[]) => Promise<void>) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/users', { config, schema: { tags, response: { 200: userList } } }, async () => ({
      users: (await ctx.users.list()).map(presentUser),
    }));

    app.post(
      '/users',
      { config, schema: { tags, body: createUserBody, response: { 201: user } } },
      async (request, reply) => reply.code(201).send(presentUser(await ctx.users.create(request.body))),
    );

    app.get(
      '/users/:id',
      { config: ofUser, schema: { tags, params: idParams, response: { 200: user } } },
      async (request) => presentUser(await ctx.users.get(request.params.id)),
    );

    app.patch(
      '/users/:id',
      { config: ofUser, schema: { tags, params: idParams, body: updateUserBody, response: { 200: user } } },
      async (request) =>
        presentUser(await ctx.users.update(currentUser(request), request.params.id, request.body)),
    );

    app.delete(
      '/users/:id',
      { config: ofUser, schema: { tags, params: idParams, response: { 200: okResponse } } },
      async (request) => {
        const removed = await ctx.users.remove(currentUser(request), request.params.id);
        await onUserRemoved(removed.uploadIds);
        return { ok: true as const };
      },
    );
  };
}
