import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  batchUploadResponse,
  contentQuery,
  publicShare,
  shareAccessBody,
  shareAccessResponse,
  shareFileParams,
  shareListing,
  shareListQueryVisitor,
  shareTokenParams,
} from '@idrive/shared';
import { clientInfo } from '../http/auth.js';
import { sendContent } from '../http/content.js';
import { acceptFileBatches, filesOf } from '../http/multipart.js';
import { presentBatchResults, presentItem } from '../http/presenters.js';
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

/** A range request that starts past byte 0 continues a download already counted. */
function startsDownload(request: FastifyRequest): boolean {
  const range = request.headers.range;
  return request.method === 'GET' && (!range || /^bytes=0-/.test(range));
}

/**
 * What a visitor holding a link can do: see what it shares, give its password, browse and download
 * (read links), drop files in (upload links). No session: these routes are public and the link is the
 * credential.
 */
export function shareLinkRoutes(ctx: RouteContext) {
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
          name: open.root.name,
          type: open.root.type,
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
        if (startsDownload(request)) {
          await ctx.shares.countDownload(open);
          await ctx.shares.visit(open, 'download', clientInfo(request), file.item);
        }
        return sendContent(request, reply, ctx.files, file, request.query.disposition);
      },
    });

    await app.register(async (uploads) => {
      await acceptFileBatches(uploads);
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
