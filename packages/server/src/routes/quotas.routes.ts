import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { driveSettings, driveSettingsBody, usage } from '@idrive/shared';
import { currentUser } from '../http/auth.js';
import type { RouteContext } from './context.js';

/** The signed-in user's storage, and the drive's settings for admins (the default quota of new accounts). */
export function quotaRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const admin = { permission: 'admin' as const };

    app.get('/usage', { schema: { tags: ['account'], response: { 200: usage } } }, async (request) =>
      ctx.quota.usage(currentUser(request)),
    );

    app.get(
      '/admin/settings',
      { config: admin, schema: { tags: ['admin'], response: { 200: driveSettings } } },
      async () => ctx.settings.get(),
    );

    app.patch(
      '/admin/settings',
      {
        config: admin,
        schema: { tags: ['admin'], body: driveSettingsBody, response: { 200: driveSettings } },
      },
      async (request) => ctx.settings.update(request.body),
    );
  };
}
