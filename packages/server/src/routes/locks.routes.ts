import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  changeLockBody,
  createLockBody,
  idParams,
  item,
  lockPasswordBody,
  okResponse,
  unlockResponse,
} from '@idrive/shared';
import { currentAuth } from '../http/auth.js';
import { presentItem } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['locks'];

export function lockRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/folders/:id/lock',
      {
        config: { permission: 'upload', locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, body: createLockBody, response: { 201: item } },
      },
      async (request, reply) => {
        const folder = await ctx.locks.lock(currentAuth(request), request.params.id, request.body.password);
        return reply.code(201).send(presentItem(folder, new Set([folder.id])));
      },
    );

    app.patch(
      '/folders/:id/lock',
      {
        config: { permission: 'upload', locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, body: changeLockBody, response: { 200: okResponse } },
      },
      async (request) => {
        const { password, newPassword } = request.body;
        await ctx.locks.change(currentAuth(request), request.params.id, password, newPassword);
        return { ok: true as const };
      },
    );

    app.delete(
      '/folders/:id/lock',
      {
        config: { permission: 'upload', locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, body: lockPasswordBody, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.locks.remove(currentAuth(request), request.params.id, request.body.password);
        return { ok: true as const };
      },
    );

    app.post(
      '/folders/:id/unlock',
      {
        // A lock inside a closed locked folder opens once the outer one is open.
        config: { locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, body: lockPasswordBody, response: { 200: unlockResponse } },
      },
      async (request) => {
        const expiresAt = await ctx.locks.unlock(
          currentAuth(request),
          request.params.id,
          request.body.password,
        );
        return { folderId: request.params.id, expiresAt: new Date(expiresAt).toISOString() };
      },
    );

    app.post(
      '/folders/:id/relock',
      {
        config: { locks: { 'params.id': 'item' } },
        schema: { tags, params: idParams, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.locks.relock(currentAuth(request), request.params.id);
        return { ok: true as const };
      },
    );
  };
}
