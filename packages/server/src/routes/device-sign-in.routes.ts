import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  deviceSignInCodeBody,
  deviceSignInRequest,
  okResponse,
  pollDeviceSignInBody,
  pollDeviceSignInResponse,
  startDeviceSignInResponse,
} from '@idrive/shared';
import { clientInfo, currentAuth, setSessionCookie } from '../http/auth.js';
import { presentDeviceSignInRequest, presentUser } from '../http/presenters.js';
import type { RouteContext } from './context.js';

const tags = ['auth'];
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Signing a device in from another: the waiting device starts and polls (no session yet, so these
 * are public and answer only to its secrets); the signed-in one looks the code up and decides.
 */
export function deviceSignInRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/auth/device-sign-in',
      { config: { public: true }, schema: { tags, response: { 201: startDeviceSignInResponse } } },
      async (request, reply) => {
        const started = await ctx.deviceSignIns.start(clientInfo(request));
        return reply.code(201).send({
          // In the fragment, which browsers never send: the code stays out of every request log.
          url: `${ctx.config.publicUrl ?? ''}/pair#${started.code}`,
          shortCode: started.shortCode,
          deviceSecret: started.deviceSecret,
          expiresAt: iso(started.expiresAt),
        });
      },
    );

    app.post(
      '/auth/device-sign-in/poll',
      {
        config: { public: true },
        schema: { tags, body: pollDeviceSignInBody, response: { 200: pollDeviceSignInResponse } },
      },
      async (request, reply) => {
        const result = await ctx.deviceSignIns.poll(request.body.deviceSecret, clientInfo(request));
        if (result.status === 'pending') return { status: result.status, expiresAt: iso(result.expiresAt) };
        if (result.status !== 'approved') return { status: result.status };
        setSessionCookie(reply, result.token, ctx.config.secureCookies, ctx.config.sessionTtlDays * 86_400);
        return {
          status: result.status,
          csrfToken: result.session.csrf_token,
          user: presentUser(result.user),
        };
      },
    );

    app.post(
      '/auth/device-sign-in/lookup',
      { schema: { tags, body: deviceSignInCodeBody, response: { 200: deviceSignInRequest } } },
      async (request) =>
        presentDeviceSignInRequest(await ctx.deviceSignIns.lookup(currentAuth(request), request.body.code)),
    );

    for (const [path, approve] of [
      ['/auth/device-sign-in/approve', true],
      ['/auth/device-sign-in/deny', false],
    ] as const) {
      app.post(
        path,
        { schema: { tags, body: deviceSignInCodeBody, response: { 200: okResponse } } },
        async (request) => {
          await ctx.deviceSignIns.decide(currentAuth(request), request.body.code, approve);
          return { ok: true as const };
        },
      );
    }
  };
}
