import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkName, conflictPolicy, idParams } from '@idrive/shared';
import { z } from 'zod';
import { currentAuth, currentUser, requirePermission } from '../http/auth.js';
import { AppError, badRequest } from '../lib/app-error.js';
import { declaredLength } from '../http/raw-body.js';
import { resolveMimeType } from '../lib/mime.js';
import type { UploadTarget } from '../services/file.service.js';
import { lengthOf } from '../services/upload.service.js';
import type { RouteContext } from './context.js';

const TUS_VERSION = '1.0.0';
const tags = ['uploads'];
/** Sent back when the PATCH that completes an upload committed the file. */
export const FILE_ID_HEADER = 'x-idrive-file-id';

const METADATA_PAIR = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: ([A-Za-z0-9+/]*={0,2}))?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `Upload-Metadata`: comma-separated `key base64(value)` pairs; a key alone means an empty value.
 * Node's base64 decoder skips what it does not understand, so a value is checked to be canonical
 * base64 of valid UTF-8 first: anything else is a 400, never a garbled name.
 */
function parseMetadata(header: string | undefined): Map<string, string> {
  const pairs = new Map<string, string>();
  if (!header) return pairs;
  for (const part of header.split(',')) {
    const match = METADATA_PAIR.exec(part.trim());
    if (!match) throw badRequest('Upload-Metadata must be comma-separated "key base64value" pairs');
    const [, key, value = ''] = match as unknown as [string, string, string?];
    if (pairs.has(key)) throw badRequest(`Upload-Metadata names "${key}" twice`);
    const bytes = Buffer.from(value, 'base64');
    // Padding may be left out; every other character must be one the bytes encode to.
    const unpadded = (text: string) => text.replace(/=+$/, '');
    if (unpadded(bytes.toString('base64')) !== unpadded(value)) {
      throw badRequest(`Upload-Metadata "${key}" is not valid base64`);
    }
    try {
      pairs.set(key, utf8.decode(bytes));
    } catch {
      throw badRequest(`Upload-Metadata "${key}" is not UTF-8 text`);
    }
  }
  return pairs;
}

function uploadTarget(request: FastifyRequest, rootFolderId: string): UploadTarget {
  const meta = parseMetadata(request.headers['upload-metadata'] as string | undefined);
  const rawName = meta.get('filename') ?? meta.get('name');
  if (!rawName) throw badRequest('Upload-Metadata must name the file (filename)');
  const name = checkName(rawName);
  if (!name.ok) throw badRequest(`filename: ${name.reason}`);
  const parentId = meta.get('parentId') ?? rootFolderId;
  if (!z.uuid().safeParse(parentId).success)
    throw badRequest('parentId in Upload-Metadata must be a folder id');
  const conflict = conflictPolicy.safeParse(meta.get('conflict') ?? 'fail');
  if (!conflict.success) throw badRequest('conflict in Upload-Metadata must be rename, replace or fail');
  return {
    parentId,
    name: name.name,
    conflict: conflict.data,
    mimeType: resolveMimeType(name.name, meta.get('filetype') ?? meta.get('type')),
  };
}

/**
 * A tus length or offset: decimal digits only (no sign, space or exponent), and exact: past 2^53 a
 * JavaScript number would round, so `tooLarge` answers for anything a number cannot hold exactly.
 */
function headerInt(request: FastifyRequest, name: string, tooLarge: () => AppError): number {
  const value = request.headers[name];
  if (typeof value !== 'string' || !/^\d+$/.test(value))
    throw badRequest(`${name} must be a non-negative integer`);
  if (BigInt(value) > BigInt(Number.MAX_SAFE_INTEGER)) throw tooLarge();
  return Number(value);
}

/**
 * tus 1.0 (core, creation, creation-defer-length, termination) at /uploads. State lives in the
 * database and the staging folder, so an upload resumes on any restart of the server.
 */
export function uploadRoutes(ctx: RouteContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
    fastify.addHook('onRequest', async (request) => {
      const version = request.headers['tus-resumable'];
      if (request.method !== 'OPTIONS' && version !== TUS_VERSION) {
        throw new AppError(412, 'bad_request', `Tus-Resumable: ${TUS_VERSION} is required`, undefined, {
          'tus-version': TUS_VERSION,
        });
      }
    });
    fastify.addHook('onSend', async (_request, reply) => {
      reply.header('tus-resumable', TUS_VERSION);
    });
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const config = { permission: 'upload' as const };
    // An upload under way into a folder that has been locked since goes on once the folder is open.
    const ofUpload = { ...config, locks: { upload: 'contents' as const } };

    const maxSize = String(ctx.files.maxFileSize);
    app.options('/uploads', { config: { public: true }, schema: { tags } }, async (_request, reply) =>
      reply
        .code(204)
        .headers({
          'tus-version': TUS_VERSION,
          'tus-extension': 'creation,creation-defer-length,termination',
          'tus-max-size': maxSize,
        })
        .send(),
    );
    const tooLarge = () =>
      new AppError(
        413,
        'payload_too_large',
        `Upload-Length is larger than the ${maxSize} bytes this drive accepts`,
        { maxFileSize: ctx.files.maxFileSize },
        { 'tus-max-size': maxSize },
      );

    app.post('/uploads', { config, schema: { tags } }, async (request, reply) => {
      const user = currentUser(request);
      const deferred = request.headers['upload-defer-length'];
      if (deferred !== undefined && deferred !== '1') throw badRequest('Upload-Defer-Length must be 1');
      if (deferred && request.headers['upload-length'] !== undefined) {
        throw badRequest('Send Upload-Length or Upload-Defer-Length, not both');
      }
      // A length given later is given on a PATCH, and its bytes are reserved against the quota then.
      const size = deferred ? undefined : headerInt(request, 'upload-length', tooLarge);
      if (size !== undefined && size > ctx.files.maxFileSize) throw tooLarge();
      const target = uploadTarget(request, user.root_folder_id);
      if (target.conflict === 'replace') requirePermission(user, 'delete');
      await ctx.locks.check(currentAuth(request), target.parentId, 'contents');
      const { upload, fileId } = await ctx.uploads.create(user, target, size);
      if (fileId) reply.header(FILE_ID_HEADER, fileId);
      return reply.code(201).header('location', `/api/v1/uploads/${upload.id}`).send();
    });

    app.head(
      '/uploads/:id',
      { config: ofUpload, schema: { tags, params: idParams } },
      async (request, reply) => {
        const { upload, offset } = await ctx.uploads.offset(currentUser(request), request.params.id);
        const length = lengthOf(upload);
        return reply
          .code(200)
          .headers({
            'upload-offset': String(offset),
            ...(length === undefined ? { 'upload-defer-length': '1' } : { 'upload-length': String(length) }),
            'cache-control': 'no-store',
          })
          .send();
      },
    );

    app.patch(
      '/uploads/:id',
      { config: ofUpload, schema: { tags, params: idParams } },
      async (request, reply) => {
        const offset = headerInt(request, 'upload-offset', () =>
          badRequest('Upload-Offset is larger than any upload'),
        );
        const uploadLength =
          request.headers['upload-length'] === undefined
            ? undefined
            : headerInt(request, 'upload-length', tooLarge);
        const result = await ctx.uploads.patch(currentUser(request), request.params.id, offset, request.raw, {
          uploadLength,
          bodyLength: declaredLength(request),
        });
        if (result.fileId) reply.header(FILE_ID_HEADER, result.fileId);
        return reply.code(204).header('upload-offset', String(result.offset)).send();
      },
    );

    app.delete(
      '/uploads/:id',
      { config: ofUpload, schema: { tags, params: idParams } },
      async (request, reply) => {
        await ctx.uploads.terminate(currentUser(request), request.params.id);
        return reply.code(204).send();
      },
    );
  };
}
