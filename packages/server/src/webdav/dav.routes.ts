import type { Permission } from '@idrive/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { davCall, type DavCall } from './dav-call.js';
import { lock, unlock } from './dav-lock.js';
import { proppatch } from './dav-proppatch.js';
import { getContent, options, propfind } from './dav-read.js';
import type { DavDeps } from './dav-resources.js';
import { copyOrMove, mkcol, put, remove } from './dav-write.js';
import { DAV_PREFIX } from './dav-path.js';

/** The methods WebDAV adds to HTTP; Fastify knows none of them until told. */
const EXTRA_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'];

type Handler = (call: DavCall, deps: DavDeps) => Promise<FastifyReply> | FastifyReply;

/** Each method, what it needs on top of a signed-in user, and what answers it. */
const METHODS: [string, Permission | undefined, Handler][] = [
  ['OPTIONS', undefined, (call) => options(call.reply)],
  ['PROPFIND', undefined, propfind],
  ['GET', undefined, getContent],
  ['HEAD', undefined, getContent],
  ['PUT', 'upload', put],
  ['MKCOL', 'upload', mkcol],
  ['DELETE', 'delete', remove],
  ['COPY', 'upload', (call, deps) => copyOrMove(call, deps, false)],
  ['MOVE', 'upload', (call, deps) => copyOrMove(call, deps, true)],
  ['PROPPATCH', 'upload', proppatch],
  ['LOCK', 'upload', lock],
  ['UNLOCK', 'upload', unlock],
];

export function registerDavMethods(app: FastifyInstance): void {
  for (const method of EXTRA_METHODS) app.addHttpMethod(method, { hasBody: true });
}

/**
 * WebDAV at /dav/: the user's drive as a tree of URLs, over the same services (and so the same
 * checks, trash and live events) as the REST API. Signed in with HTTP Basic only: a WebDAV client
 * has no other way, and a browser cannot be made to send these methods to another site without a
 * CORS preflight this server never grants, so no CSRF token is needed. Bodies are left unread for
 * the handlers: PUT streams them, the others read their XML with a limit.
 */
export function davRoutes(deps: DavDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const [method, permission, handler] of METHODS) {
      for (const url of [DAV_PREFIX, `${DAV_PREFIX}/*`]) {
        app.route({
          method,
          url,
          exposeHeadRoute: false,
          config: { basicAuth: true, ...(permission ? { permission } : {}) },
          schema: { hide: true },
          handler: (request: FastifyRequest, reply: FastifyReply) => handler(davCall(request, reply), deps),
        });
      }
    }
  };
}
