import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/app-error.js';
import type { BatchFile } from '../services/batch-upload.service.js';

/** Files one batch request may carry: a big folder drop is sent as several batches. */
const BATCH_FILES_MAX = 10_000;

/**
 * Lets the routes of this plugin scope read multipart batches of files (and nothing else). A part
 * past a limit fails the batch (413), which then takes back what it had stored.
 */
export async function acceptFileBatches(scope: FastifyInstance, maxFileSize: number): Promise<void> {
  await scope.register(fastifyMultipart, {
    preservePath: true,
    // Big files stream through the chunk pipeline like any upload, up to the drive's maximum.
    limits: { files: BATCH_FILES_MAX, fields: 0, parts: BATCH_FILES_MAX, fileSize: maxFileSize },
    throwFileSizeLimit: true,
  });
}

/** The files of a multipart request, one at a time; each part's file name is its path. */
export async function* filesOf(request: FastifyRequest): AsyncGenerator<BatchFile> {
  // Checked when the first file is wanted, after the target: another user's folder is a 404.
  if (!request.isMultipart()) {
    throw new AppError(415, 'unsupported_media_type', 'A batch upload is a multipart/form-data request');
  }
  for await (const part of request.files()) {
    yield { path: part.filename ?? '', mimeType: part.mimetype, content: part.file };
  }
}
