import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../emulator-context.js';
import { presentUser } from '../presenters.js';
import { requireBot, takeBucket } from '../route-helpers.js';

export function userRoutes(ctx: EmulatorContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/users/@me', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', 'global');
      return { ...presentUser(bot), verified: true, mfa_enabled: false, locale: 'en-US' };
    });
  };
}
