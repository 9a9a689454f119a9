import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  archiveEntryQuery,
  archiveListing,
  archiveListQuery,
  idParams,
  type ArchiveEntry,
} from '@idrive/shared';
import { currentAuth } from '../http/auth.js';
import { sendPieces, UNTRUSTED_CONTENT_HEADERS } from '../http/content.js';
import { contentDisposition } from '../lib/content-disposition.js';
import type { ArchiveEntryInfo } from '../zip/archive-reader.js';
import { METHOD_DEFLATE, METHOD_STORE } from '../zip/archive-reader.js';
import type { RouteContext } from './context.js';

const tags = ['files'];

function presentEntry(info: ArchiveEntryInfo): ArchiveEntry {
  return {
    index: info.index,
    path: info.path,
    directory: info.directory,
    size: info.size,
    compressedSize: info.compressedSize,
    method: info.methodId === METHOD_STORE ? 'store' : info.methodId === METHOD_DEFLATE ? 'deflate' : 'other',
    methodId: info.methodId,
    modifiedAt: info.modifiedAt?.toISOString() ?? null,
    encrypted: info.encrypted,
    safe: info.unsafe === null,
    ...(info.unsafe ? { unsafeReason: info.unsafe } : {}),
  };
}

/** The archive viewer: what a stored zip holds, and one entry of it, without unpacking anything to disk. */
export function archiveRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/files/:id/archive',
      {
        config: { locks: { 'params.id': 'contents' } },
        schema: { tags, params: idParams, querystring: archiveListQuery, response: { 200: archiveListing } },
      },
      async (request) => {
        const auth = currentAuth(request);
        const { offset, limit } = request.query;
        const { entries, total } = await ctx.archives.list(auth.user, request.params.id, { offset, limit });
        ctx.recent.opened(auth.user, request.params.id);
        return {
          entries: entries.map(presentEntry),
          total,
          offset,
          truncated: offset + entries.length < total,
        };
      },
    );

    app.get(
      '/files/:id/archive/entry',
      {
        config: { locks: { 'params.id': 'contents' } },
        schema: { tags, params: idParams, querystring: archiveEntryQuery },
      },
      async (request, reply) => {
        const auth = currentAuth(request);
        const { path, index, disposition } = request.query;
        const entry = await ctx.archives.extract(auth.user, request.params.id, { path, index });
        const headers = {
          etag: entry.etag,
          'cache-control': 'private, no-cache',
          'content-type': entry.mimeType,
          'content-disposition': contentDisposition(entry.name, disposition),
          'content-length': String(entry.size),
          ...UNTRUSTED_CONTENT_HEADERS,
        };
        return sendPieces(request, reply, 200, headers, entry.body, (piece) => entry.release(piece));
      },
    );
  };
}
