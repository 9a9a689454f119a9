import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  changePasswordBody,
  createTokenBody,
  createTokenResponse,
  idParams,
  loginBody,
  loginResponse,
  meResponse,
  okResponse,
  sessionList,
} from '@idrive/shared';
import {
  clearSessionCookie,
  clientInfo,
  currentAccountAuth,
  currentAuth,
  setSessionCookie,
} from '../http/auth.js';
import { presentSession, presentUser } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['auth'];

export function authRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/auth/login',
      { config: { public: true }, schema: { tags, body: loginBody, response: { 200: loginResponse } } },
      async (request, reply) => {
        const { username, password, deviceName, bearer } = request.body;
        const { token, session, user } = await ctx.auth.login(
          username,
          password,
          clientInfo(request),
          deviceName,
        );
        if (bearer) return { token, csrfToken: session.csrf_token, user: presentUser(user) };
        setSessionCookie(reply, token, ctx.config.secureCookies, ctx.config.sessionTtlDays * 86_400);
        return { csrfToken: session.csrf_token, user: presentUser(user) };
      },
    );

    app.get('/auth/me', { schema: { tags, response: { 200: meResponse } } }, async (request) => {
      const { user, session } = currentAuth(request);
      return { user: presentUser(user), csrfToken: session.csrf_token, sessionId: session.id };
    });

    app.post('/auth/logout', { schema: { tags, response: { 200: okResponse } } }, async (request, reply) => {
      const { user, session } = currentAuth(request);
      await ctx.auth.revokeSession(user.id, session.id);
      clearSessionCookie(reply);
      return { ok: true as const };
    });

    app.post(
      '/auth/logout-all',
      { schema: { tags, response: { 200: okResponse } } },
      async (request, reply) => {
        await ctx.auth.logoutEverywhere(currentAuth(request).user.id);
        clearSessionCookie(reply);
        return { ok: true as const };
      },
    );

    app.get('/auth/sessions', { schema: { tags, response: { 200: sessionList } } }, async (request) => {
      const { user, session } = currentAuth(request);
      const sessions = await ctx.auth.listSessions(user.id);
      return { sessions: sessions.map((s) => presentSession(s, session.id)) };
    });

    app.delete(
      '/auth/sessions/:id',
      {
        config: { lockExempt: 'the id names a signed-in device, not an item' },
        schema: { tags, params: idParams, response: { 200: okResponse } },
      },
      async (request) => {
        await ctx.auth.revokeSession(currentAuth(request).user.id, request.params.id);
        return { ok: true as const };
      },
    );

    app.post(
      '/auth/tokens',
      { schema: { tags, body: createTokenBody, response: { 201: createTokenResponse } } },
      async (request, reply) => {
        const { user, session: current } = currentAccountAuth(request, 'API tokens');
        const { token, session } = await ctx.auth.createToken(user.id, request.body, clientInfo(request));
        return reply.code(201).send({ token, session: presentSession(session, current.id) });
      },
    );

    app.post(
      '/auth/password',
      { schema: { tags, body: changePasswordBody, response: { 200: okResponse } } },
      async (request) => {
        const { user, session } = currentAuth(request);
        await ctx.auth.changePassword(user, session.id, request.body);
        return { ok: true as const };
      },
    );
  };
}
