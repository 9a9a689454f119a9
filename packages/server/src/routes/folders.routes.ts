import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import fastifyMultipart from '@fastify/multipart';
import {
  batchUploadQuery,
  batchUploadResponse,
  createFolderBody,
  idParams,
  item,
  listing,
  listQuery,
  uploadFileParams,
  uploadFileQuery,
} from '@idrive/shared';
import type { UserRow } from '../db/schema.js';
import { currentAuth, currentUser, requirePermission } from '../http/auth.js';
import { presentDetails, presentItem } from '../http/presenters.js';
import { AppError } from '../lib/app-error.js';
import { resolveMimeType } from '../lib/mime.js';
import type { BatchFile } from '../services/batch-upload.service.js';
import type { FolderListing } from '../services/item.service.js';
import type { RouteContext } from './context.js';

const tags = ['folders'];
/** Files one batch request may carry: a big folder drop is sent as several batches. */
const BATCH_FILES_MAX = 10_000;

function presentListing(result: FolderListing, offset: number, limit: number, locked: ReadonlySet<string>) {
  return {
    folder: presentDetails(result.folder, result.path, null, locked),
    items: result.items.map((row) => presentItem(row, locked)),
    total: result.total,
    offset,
    limit,
  };
}

/** Content-Length when the client sent one (a chunked body has none). */
function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header !== undefined && !request.headers['transfer-encoding'] ? Number(header) : undefined;
}

/** The files of a multipart request, one at a time, as the batch service reads them. */
async function* filesOf(request: FastifyRequest): AsyncGenerator<BatchFile> {
  // Checked when the first file is wanted, after the target folder: another user's folder is a 404.
  if (!request.isMultipart()) {
    throw new AppError(415, 'unsupported_media_type', 'A batch upload is a multipart/form-data request');
  }
  for await (const part of request.files()) {
    yield { path: part.filename, mimeType: part.mimetype, content: part.file };
  }
}

export function folderRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/folders/root',
      { schema: { tags, querystring: listQuery, response: { 200: listing } } },
      async (request) => {
        const user = currentUser(request);
        const result = await ctx.items.list(user, user.root_folder_id, request.query);
        const locked = await ctx.locks.lockedAmong(result.items);
        return presentListing(result, request.query.offset, request.query.limit, locked);
      },
    );

    app.get(
      '/folders/:id/children',
      { schema: { tags, params: idParams, querystring: listQuery, response: { 200: listing } } },
      async (request) => {
        await ctx.locks.check(currentAuth(request), request.params.id, 'contents');
        const result = await ctx.items.list(currentUser(request), request.params.id, request.query);
        const locked = await ctx.locks.lockedAmong([result.folder, ...result.items]);
        return presentListing(result, request.query.offset, request.query.limit, locked);
      },
    );

    app.post(
      '/folders',
      { config: { permission: 'upload' }, schema: { tags, body: createFolderBody, response: { 201: item } } },
      async (request, reply) => {
        await ctx.locks.check(currentAuth(request), request.body.parentId, 'contents');
        const folder = await ctx.items.createFolder(
          currentUser(request),
          request.body.parentId,
          request.body.name,
        );
        return reply.code(201).send(presentItem(folder));
      },
    );

    // Many files in one multipart request; each part's file name is its path below the folder.
    await app.register(async (batch) => {
      await batch.register(fastifyMultipart, {
        preservePath: true,
        // Files of any size: the big ones stream through the chunk pipeline like any upload.
        limits: { files: BATCH_FILES_MAX, fields: 0, parts: BATCH_FILES_MAX, fileSize: Infinity },
      });
      batch.withTypeProvider<ZodTypeProvider>().post(
        '/folders/:id/batch',
        {
          config: { permission: 'upload' },
          schema: {
            tags,
            params: idParams,
            querystring: batchUploadQuery,
            response: { 200: batchUploadResponse },
          },
        },
        async (request) => {
          const user: UserRow = currentUser(request);
          if (request.query.conflict === 'replace') requirePermission(user, 'delete');
          await ctx.locks.check(currentAuth(request), request.params.id, 'contents');
          const results = await ctx.batches.upload(
            user,
            request.params.id,
            request.query.conflict,
            filesOf(request),
          );
          return {
            results: results.map((r) =>
              'item' in r
                ? { path: r.path, item: presentItem(r.item) }
                : {
                    path: r.path,
                    error: { code: r.error.code, message: r.error.message, details: r.error.details },
                  },
            ),
          };
        },
      );
    });

    // The raw upload streams the request body straight into the chunk pipeline, so this route gets
    // a parser that leaves the body unread, whatever its content type.
    await app.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser('*', (_request, _payload, done) => done(null));
      raw.withTypeProvider<ZodTypeProvider>().put(
        '/folders/:id/files/:name',
        {
          config: { permission: 'upload' },
          schema: { tags, params: uploadFileParams, querystring: uploadFileQuery, response: { 201: item } },
        },
        async (request, reply) => {
          const user: UserRow = currentUser(request);
          if (request.query.conflict === 'replace') requirePermission(user, 'delete');
          await ctx.locks.check(currentAuth(request), request.params.id, 'contents');
          const file = await ctx.files.upload(
            user,
            {
              parentId: request.params.id,
              name: request.params.name,
              conflict: request.query.conflict,
              mimeType: resolveMimeType(request.params.name, request.headers['content-type']),
            },
            request.raw,
            { declaredSize: declaredLength(request), sha256: request.query.sha256 },
          );
          return reply.code(201).send(presentItem(file));
        },
      );
    });
  };
}
