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

/** What a caller is told of an error; `log` says why it is worth a line in the log, when it is. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: ErrorEnvelope;
  log?: string;
}

/** The answer an error gets, in the one envelope: `{ error: { code, message, details? } }`. */
export function errorAnswer(err: Error): ErrorAnswer {
  if (err instanceof AppError) {
    return { status: err.status, headers: err.headers, body: envelope(err.code, err.message, err.details) };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      field: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'is invalid',
    }));
    const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
    return { status: 400, headers: {}, body: envelope('validation_failed', message, { issues }) };
  }
  if (err instanceof IntegrityError || err instanceof ChunkMissingError) {
    return {
      status: 500,
      headers: {},
      body: envelope('integrity_failed', err.message),
      log: 'stored data failed to read back',
    };
  }
  const status = (err as FastifyError).statusCode ?? 500;
  const code = STATUS_CODES[status];
  if (code && status < 500) return { status, headers: {}, body: envelope(code, err.message) };
  return {
    status: 500,
    headers: {},
    body: envelope('internal', 'Internal server error'),
    log: 'unhandled error',
  };
}

/** Every error leaves the API in one envelope. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const answer = errorAnswer(err);
    if (answer.log) request.log.error({ err }, answer.log);
    // Refused before its body arrived whole (an upload past a limit or the quota): nobody reads the
    // rest, and a client would go on sending it into the connection until the idle timeout.
    if (request.raw.complete === false) reply.header('connection', 'close');
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(envelope('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
