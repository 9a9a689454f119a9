import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorCode, ErrorEnvelope } from '@idrive/shared';
import { AppError } from '../lib/app-error.js';
import { ChunkMissingError, IntegrityError } from '../storage/errors.js';

function envelope(code: ErrorCode, message: string, details?: unknown): ErrorEnvelope {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

// Fastify's own 4xx errors (bad JSON, wrong content type, body too large) keep their status.
const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  429: 'too_many_requests',
};

/** Every error leaves the API in one envelope: `{ error: { code, message, details? } }`. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      return reply
        .code(err.status)
        .headers(err.headers)
        .send(envelope(err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        field: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'is invalid',
      }));
      const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
      return reply.code(400).send(envelope('validation_failed', message, { issues }));
    }
    if (err instanceof IntegrityError || err instanceof ChunkMissingError) {
      request.log.error({ err }, 'stored data failed to read back');
      return reply.code(500).send(envelope('integrity_failed', err.message));
    }
    const status = err.statusCode ?? 500;
    const code = STATUS_CODES[status];
    if (code && status < 500) return reply.code(status).send(envelope(code, err.message));
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send(envelope('internal', 'Internal server error'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(envelope('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
