import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  batchUploadResponse,
  contentQuery,
  eventsCloseCodes,
  publicShare,
  shareAccessBody,
  shareAccessResponse,
  shareFileParams,
  shareListing,
  shareListQueryVisitor,
  shareTokenParams,
  shareZipQuery,
  shareEventsQuery,
} from '@idrive/shared';
import { clientInfo } from '../http/auth.js';
import { AppError, badRequest } from '../lib/app-error.js';
import { contentBody, firstByteServed, sendRanged, zipBody, type RangedBody } from '../http/content.js';
import { acceptFileBatches, filesOf } from '../http/multipart.js';
import { presentBatchResults, presentItem } from '../http/presenters.js';
import { shareView } from '../events/share-view.js';
import type { EventSockets } from '../events/event-sockets.js';
import type { SocketCaps } from '../http/socket-caps.js';
import { folderTopic } from '../events/topics.js';
import type { OpenShare } from '../services/share.service.js';
import type { RouteContext } from './context.js';

const tags = ['share links'];
const ACCESS_HEADER = 'x-share-access';
const ACCESS_COOKIE = 'idrive_share_access';

/** The visitor's access token: a header from the web app, or the cookie media elements send. */
function accessToken(request: FastifyRequest): string | undefined {
  const header = request.headers[ACCESS_HEADER];
  return (typeof header === 'string' ? header : undefined) ?? request.cookies[ACCESS_COOKIE];
}

/** A GET served from byte 0 is a new download; a range from further on continues one already counted. */
function startsDownload(request: FastifyRequest, body: RangedBody): boolean {
  return request.method === 'GET' && firstByteServed(request, body) === 0;
}

/**
 * What a visitor holding a link can do: see what it shares, give its password, browse and download
 * (read links), drop files in (upload links). No session: these routes are public and the link is the
 * credential.
 */
export function shareLinkRoutes(ctx: RouteContext, sockets: EventSockets, caps: SocketCaps) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const config = { public: true };

    const entered = async (request: FastifyRequest<{ Params: { token: string } }>): Promise<OpenShare> => {
      const open = await ctx.shares.open(request.params.token);
      ctx.shares.enter(open, accessToken(request));
      return open;
    };

    app.get(
      '/s/:token',
      { config, schema: { tags, params: shareTokenParams, response: { 200: publicShare } } },
      async (request) => {
        const open = await ctx.shares.open(request.params.token);
        const mayEnter = ctx.shares.mayEnter(open.share, accessToken(request));
        await ctx.shares.visit(open, 'open', clientInfo(request));
        return {
          name: mayEnter ? open.root.name : null,
          type: mayEnter ? open.root.type : null,
          mode: open.share.mode,
          needsPassword: open.share.password_hash !== null,
          expiresAt: open.share.expires_at === null ? null : new Date(open.share.expires_at).toISOString(),
          item: mayEnter && open.share.mode === 'read' ? presentItem(open.root) : null,
        };
      },
    );

    app.post(
      '/s/:token/access',
      {
        config,
        schema: {
          tags,
          params: shareTokenParams,
          body: shareAccessBody,
          response: { 200: shareAccessResponse },
        },
      },
      async (request, reply) => {
        const open = await ctx.shares.open(request.params.token);
        const { token, expiresAt } = await ctx.shares.grantAccess(
          open,
          request.body.password,
          clientInfo(request),
        );
        // Also a cookie, scoped to this link, so <img> and <video> sources carry it.
        reply.setCookie(ACCESS_COOKIE, token, {
          path: `/api/v1/s/${request.params.token}`,
          httpOnly: true,
          sameSite: 'lax',
          secure: request.protocol === 'https',
          expires: new Date(expiresAt),
        });
        return { accessToken: token, expiresAt: new Date(expiresAt).toISOString() };
      },
    );

    app.get(
      '/s/:token/items',
      {
        config,
        schema: {
          tags,
          params: shareTokenParams,
          querystring: shareListQueryVisitor,
          response: { 200: shareListing },
        },
      },
      async (request) => {
        const open = await entered(request);
        const { folder, ...query } = request.query;
        const listing = await ctx.shares.listFolder(open, folder ?? open.root.id, query);
        return {
          folder: presentItem(listing.folder),
          path: listing.path.map((p) => ({ id: p.id, name: p.name })),
          items: listing.items.map((row) => presentItem(row)),
          total: listing.total,
          offset: query.offset,
          limit: query.limit,
        };
      },
    );

    app.route({
      method: ['GET', 'HEAD'],
      url: '/s/:token/files/:fileId/content',
      exposeHeadRoute: false,
      config,
      schema: { tags, params: shareFileParams, querystring: contentQuery },
      handler: async (request, reply) => {
        const open = await entered(request);
        const file = await ctx.shares.openFile(open, request.params.fileId);
        const body = contentBody(ctx.files, file, request.query.disposition);
        if (startsDownload(request, body)) {
          await ctx.shares.countDownload(open);
          await ctx.shares.visit(open, 'download', clientInfo(request), file.item);
        }
        return sendRanged(request, reply, body);
      },
    });

    // The shared folder, or a folder below it, as a zip; the owner's locked folders are never in it.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/s/:token/zip',
      exposeHeadRoute: false,
      config,
      schema: { tags, params: shareTokenParams, querystring: shareZipQuery },
      handler: async (request, reply) => {
        const open = await entered(request);
        const { item: folder } = await ctx.shares.resolve(open, request.query.folder ?? open.root.id);
        if (folder.type !== 'folder') throw badRequest('Only a folder can be downloaded as a zip');
        const skip = await ctx.shares.closedFolders(open);
        const zip = await ctx.zipPlanning.run(
          request.ip,
          () => ctx.zips.ofFolder(open.owner.id, folder.id, skip),
          true,
        );
        const body = zipBody(zip);
        if (startsDownload(request, body)) {
          await ctx.shares.countDownload(open);
          await ctx.shares.visit(open, 'zip', clientInfo(request), folder);
        }
        return sendRanged(request, reply, body);
      },
    });

    // Live changes inside a shared folder, for its visitors: the events of the owner's items below it,
    // seen from the shared folder down, minus locked folders; closed when the link stops working.
    app.route({
      method: 'GET',
      url: '/s/:token/events',
      config,
      schema: { tags, params: shareTokenParams, querystring: shareEventsQuery },
      // A visitor has no account: only their address counts.
      preHandler: caps.admit(() => null),
      handler: async () => {
        throw new AppError(426, 'bad_request', 'This is a websocket: connect with "Upgrade: websocket"');
      },
      wsHandler: async (socket, request) => {
        const open = await ctx.shares.open(request.params.token).catch(() => null);
        const token = request.query.access ?? accessToken(request);
        if (
          !open ||
          open.share.mode !== 'read' ||
          open.root.type !== 'folder' ||
          !(await ctx.shares.stillOpen(request.params.token, token))
        ) {
          socket.close(eventsCloseCodes.sessionEnded, 'This link does not show live changes');
          return;
        }
        const view = shareView(open.root.id);
        await sockets.serveViewer(
          socket,
          {
            topics: [folderTopic(open.root.id)],
            access: {
              sessionId: null,
              scope: async () => {
                const closed = await ctx.shares.closedFolders(open);
                return { closed, view: (event) => view(event, closed) };
              },
            },
            stillAllowed: () => ctx.shares.stillOpen(request.params.token, token),
          },
          request.query.since,
        );
      },
    });

    await app.register(async (uploads) => {
      await acceptFileBatches(uploads, ctx.files.maxFileSize);
      uploads
        .withTypeProvider<ZodTypeProvider>()
        .post(
          '/s/:token/upload',
          { config, schema: { tags, params: shareTokenParams, response: { 200: batchUploadResponse } } },
          async (request) => {
            const open = await entered(request);
            const results = await ctx.shares.upload(open, filesOf(request));
            for (const r of results) {
              if ('item' in r) await ctx.shares.visit(open, 'upload', clientInfo(request), r.item);
            }
            return { results: presentBatchResults(results, false) };
          },
        );
    });
  };
}
