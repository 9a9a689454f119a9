import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
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
  type SharedMark,
} from '@idrive/shared';
import type { UserRow } from '../db/schema.js';
import { currentUser, requirePermission } from '../http/auth.js';
import { acceptFileBatches, filesOf } from '../http/multipart.js';
import { declaredLength } from '../http/raw-body.js';
import { presentBatchResults, presentDetails, presentItem, presentUserItem } from '../http/presenters.js';
import { resolveMimeType } from '../lib/mime.js';
import type { FolderListing } from '../services/item.service.js';
import type { RouteContext } from './context.js';

const tags = ['folders'];

/**
 * `locked` and `starred` hold the ids of locked folders and of what the user starred, among the rows;
 * `marks` says whose the rows are when they are not the user's.
 */
function presentListing(
  result: FolderListing,
  offset: number,
  limit: number,
  locked: ReadonlySet<string>,
  starred: ReadonlySet<string>,
  marks: ReadonlyMap<string, SharedMark>,
) {
  return {
    folder: presentDetails(result.folder, result.path, null, locked, starred, marks),
    items: result.items.map((row) => presentUserItem(row, locked, starred, marks)),
    total: result.total,
    offset,
    limit,
  };
}

/** Whose a listing's rows are: the folder's role passes to its children unless one is shared itself. */
function listingMarks(ctx: RouteContext, user: UserRow, result: FolderListing) {
  const { role } = result.access;
  return ctx.access.marks(user, [result.folder, ...result.items], role === 'owner' ? undefined : role);
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
        const starred = await ctx.stars.among(user, result.items);
        return presentListing(result, request.query.offset, request.query.limit, locked, starred, new Map());
      },
    );

    app.get(
      '/folders/:id/children',
      {
        config: { locks: { 'params.id': 'contents' } },
        schema: { tags, params: idParams, querystring: listQuery, response: { 200: listing } },
      },
      async (request) => {
        const user = currentUser(request);
        const result = await ctx.items.list(user, request.params.id, request.query);
        const [locked, starred, marks] = await Promise.all([
          ctx.locks.lockedAmong([result.folder, ...result.items]),
          ctx.stars.among(user, [result.folder, ...result.items]),
          listingMarks(ctx, user, result),
        ]);
        return presentListing(result, request.query.offset, request.query.limit, locked, starred, marks);
      },
    );

    app.post(
      '/folders',
      {
        config: { permission: 'upload', locks: { 'body.parentId': 'contents' } },
        schema: { tags, body: createFolderBody, response: { 201: item } },
      },
      async (request, reply) => {
        const { parentId, name, reuse } = request.body;
        const user = currentUser(request);
        const folder = reuse
          ? (await ctx.items.ensureFolder(user, parentId, name)).folder
          : await ctx.items.createFolder(user, parentId, name);
        return reply.code(201).send(presentItem(folder));
      },
    );

    // Many files in one multipart request; each part's file name is its path below the folder.
    await app.register(async (batch) => {
      await acceptFileBatches(batch, ctx.files.maxFileSize);
      batch.withTypeProvider<ZodTypeProvider>().post(
        '/folders/:id/batch',
        {
          config: { permission: 'upload', locks: { 'params.id': 'contents' } },
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
          const results = await ctx.batches.upload(
            user,
            request.params.id,
            request.query.conflict,
            filesOf(request),
          );
          return { results: presentBatchResults(results, true) };
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
          config: { permission: 'upload', locks: { 'params.id': 'contents' } },
          schema: { tags, params: uploadFileParams, querystring: uploadFileQuery, response: { 201: item } },
        },
        async (request, reply) => {
          const user: UserRow = currentUser(request);
          if (request.query.conflict === 'replace') requirePermission(user, 'delete');
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
