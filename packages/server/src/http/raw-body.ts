import type { FastifyRequest } from 'fastify';

/** Content-Length when the client sent one (a chunked body has none). */
export function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header !== undefined && !request.headers['transfer-encoding'] ? Number(header) : undefined;
}
