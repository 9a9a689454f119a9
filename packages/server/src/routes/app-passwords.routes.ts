import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  appPasswordList,
  createAppPasswordBody,
  createAppPasswordResponse,
  idParams,
  okResponse,
} from '@idrive/shared';
import { currentAccountAuth, currentUser } from '../http/auth.js';
import { presentAppPassword } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['account'];

export function appPasswordRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/account/app-passwords',
      { schema: { tags, response: { 200: appPasswordList } } },
      async (request) => ({
        appPasswords: (await ctx.appPasswords.list(currentUser(request).id)).map(presentAppPassword),
      }),
    );

    app.post(
      '/account/app-passwords',
      { schema: { tags, body: createAppPasswordBody, response: { 201: createAppPasswordResponse } } },
      async (request, reply) => {
        const auth = currentAccountAuth(request, 'App passwords');
        const { secret, row } = await ctx.appPasswords.create(auth.user.id, request.body);
        return reply.code(201).send({ secret, appPassword: presentAppPassword(row) });
      },
    );

    app.delete(
      '/account/app-passwords/:id',
      {
        config: { lockExempt: 'the id names an app password, not an item' },
        schema: { tags, params: idParams, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.appPasswords.revoke(currentUser(request).id, request.params.id);
        return { ok: true as const };
      },
    );
  };
}
