import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { eventsQuery } from '@idrive/shared';
import type { EventSockets } from '../events/event-sockets.js';
import { currentAuth } from '../http/auth.js';
import type { SocketCaps } from '../http/socket-caps.js';
import { AppError } from '../lib/app-error.js';

/**
 * `GET /events`: the live events websocket. The upgrade goes through the usual auth hook (session
 * cookie from a page of this origin, or a bearer token, also accepted as `?access_token=` here), so
 * a refused upgrade gets the usual error envelope and status.
 */
export function eventRoutes(sockets: EventSockets, caps: SocketCaps) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.route({
      method: 'GET',
      url: '/events',
      // The URL may carry a token: request logging at info level would write it out.
      logLevel: 'warn',
      config: { queryToken: true },
      schema: {
        tags: ['events'],
        summary: 'Live events (websocket); messages are the DriveEvent union of @idrive/shared',
        querystring: eventsQuery,
      },
      preHandler: caps.admit((request) => currentAuth(request).user.id),
      handler: async () => {
        throw new AppError(426, 'bad_request', 'This is a websocket: connect with "Upgrade: websocket"');
      },
      wsHandler: (socket, request) => sockets.serve(socket, currentAuth(request), request.query.since),
    });
  };
}
