import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../lib/app-error.js';

/**
 * Serves the built web app. Paths that are not files get index.html, so the app's own routes
 * survive a reload; unknown /api paths still get the API's 404.
 */
export function webRoutes(webDir: string) {
  return async (app: FastifyInstance): Promise<void> => {
    // Every route of this plugin (the static files' too, which take no config of their own) is the
    // web app's shell, which anyone may load.
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    const built = existsSync(path.join(webDir, 'index.html'));
    if (built) {
      await app.register(fastifyStatic, { root: webDir, wildcard: false, index: false, maxAge: '1h' });
    }
    app.get('/*', { config: { public: true } }, async (request, reply) => {
      if (inApiNamespace((request.params as { '*': string })['*'])) {
        throw new AppError(404, 'not_found', `No route for GET ${request.url.split('?')[0]}`);
      }
      if (!built) {
        return reply
          .code(503)
          .type('text/plain')
          .send('The web app has not been built. Run "npm run build" (npm start does it for you).');
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  };
}

/**
 * Whether a path the API did not match still names the API (in any spelling the router decoded:
 * `%2f`, a backslash, capitals), so it gets the API's 404 rather than the web app's shell.
 */
function inApiNamespace(decodedPath: string): boolean {
  return /^api([/\\]|$)/i.test(decodedPath.replace(/^[/\\]+/, ''));
}
