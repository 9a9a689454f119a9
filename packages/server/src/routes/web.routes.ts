import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../lib/app-error.js';

/**
 * Serves the built web app. Paths that are not files get index.html, so the app's own routes
 * survive a reload; unknown /api and /dav paths still get a 404.
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
      await app.register(fastifyStatic, {
        root: webDir,
        wildcard: false,
        index: false,
        maxAge: '1h',
        setHeaders: (reply, file) => {
          const cacheControl = cacheControlFor(path.relative(webDir, file));
          if (cacheControl) reply.header('cache-control', cacheControl);
        },
      });
    }
    app.get('/*', { config: { public: true } }, async (request, reply) => {
      if (inServerNamespace((request.params as { '*': string })['*'])) {
        throw new AppError(404, 'not_found', `No route for GET ${request.url.split('?')[0]}`);
      }
      if (!built) {
        return reply
          .code(503)
          .type('text/plain')
          .send('The web app has not been built. Run "npm run build" (npm start does it for you).');
      }
      return reply.sendFile('index.html');
    });
  };
}

/**
 * index.html names the current build's assets, so a browser must check it on every load or it keeps
 * running an old build; Vite's assets/ carry a content hash in their names and never change.
 * Anything else keeps the plugin's one hour.
 */
function cacheControlFor(relative: string): string | undefined {
  if (relative === 'index.html') return 'no-cache';
  if (relative.startsWith(`assets${path.sep}`)) return 'public, max-age=31536000, immutable';
  return undefined;
}

/**
 * Whether a path the API or WebDAV did not match still names one of them (in any spelling the router
 * decoded: `%2f`, a backslash, capitals), so it gets a 404 rather than the web app's shell: a client
 * must never read a 200 there as the file it asked for.
 */
function inServerNamespace(decodedPath: string): boolean {
  return /^(api|dav)([/\\]|$)/i.test(decodedPath.replace(/^[/\\]+/, ''));
}
