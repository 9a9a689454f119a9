import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../emulator-context.js';
import { attachmentPath } from '../presenters.js';

interface CdnParams {
  channelId: string;
  attachmentId: string;
  filename: string;
}

export const CDN_GONE_TEXT = 'This content is no longer available.';

type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/** A single `bytes=a-b`, `a-` or `-n` range; anything else (several ranges, junk) is ignored. */
export function parseRange(header: string | undefined, size: number): Range {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** The attachment CDN: signed, expiring URLs, Range support, bytes straight from memory. */
export function cdnRoutes(ctx: EmulatorContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const gone = (reply: FastifyReply, status: number) =>
      reply.code(status).type('text/plain; charset=utf-8').send(CDN_GONE_TEXT);

    app.get<{ Params: CdnParams; Querystring: Record<string, string> }>(
      '/attachments/:channelId/:attachmentId/:filename',
      async (request, reply) => {
        const { channelId, attachmentId, filename } = request.params;
        const path = attachmentPath({ channelId, id: attachmentId, filename });
        if (!ctx.signer.verify(path, request.query, ctx.clock.now())) {
          return gone(reply, ctx.limits.cdn.deniedStatus);
        }
        const attachment = ctx.state.attachments.get(attachmentId);
        if (!attachment || attachment.channelId !== channelId || attachment.filename !== filename) {
          return gone(reply, 404);
        }
        const size = attachment.size;
        const headers: Record<string, string> = {
          'content-type': attachment.contentType,
          'cache-control': 'public, max-age=31536000',
          ...(ctx.limits.cdn.ranges ? { 'accept-ranges': 'bytes' } : {}),
        };
        const range = ctx.limits.cdn.ranges ? parseRange(request.headers.range, size) : undefined;
        if (range === 'unsatisfiable') {
          return reply
            .code(416)
            .headers({ ...headers, 'content-range': `bytes */${size}` })
            .type('text/plain; charset=utf-8')
            .send('Requested Range Not Satisfiable');
        }
        let status = 200;
        let bytes = attachment.data;
        if (range) {
          status = 206;
          bytes = attachment.data.subarray(range.start, range.end + 1);
          headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
        }
        if (request.emulator.truncate) return sendTruncated(request, reply, status, headers, bytes);
        return reply.code(status).headers(headers).send(bytes);
      },
    );
  };
}

/** Announces the full length, sends half the bytes, then drops the connection. */
function sendTruncated(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  headers: Record<string, string>,
  bytes: Buffer,
): FastifyReply {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
    request.raw.socket.destroy();
  });
  return reply;
}
