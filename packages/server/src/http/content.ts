import { Readable } from 'node:stream';
import { contentDisposition } from '../lib/content-disposition.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { AppError } from '../lib/app-error.js';
import type { FileService, OpenFile } from '../services/file.service.js';

export type Disposition = 'inline' | 'attachment';

/** A strong validator: the same bytes always have the same SHA-256, different bytes never do. */
function etagOf(file: OpenFile): string {
  return `"${file.version.sha256 ?? file.version.id}"`;
}

function matchesEtag(header: string, etag: string): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/**
 * Decides which bytes to send: the whole file, one range (206), or none (416). If-Range that no longer
 * matches means the client's copy is stale, so it gets the whole new file rather than a spliced one.
 * Several ranges are answered with the whole file, which RFC 9110 allows.
 */
function chooseRange(request: FastifyRequest, size: number, etag: string, lastModified: string) {
  const header = request.headers.range;
  if (!header) return null;
  const ifRange = request.headers['if-range'];
  // If-Range with a date is only trusted at one-second precision, like Last-Modified itself.
  if (ifRange && ifRange !== etag && ifRange !== lastModified) return null;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -2) return null; // malformed: ignore the header, as the RFC says
  if (ranges === -1) {
    throw new AppError(
      416,
      'range_not_satisfiable',
      `The range is outside the file's ${size} bytes`,
      undefined,
      {
        'content-range': `bytes */${size}`,
      },
    );
  }
  if (ranges.type !== 'bytes' || ranges.length !== 1) return null;
  const range = ranges[0]!;
  return { start: range.start, end: range.end + 1 };
}

/** Answers GET or HEAD for a file's content with Range, conditional requests and a safe disposition. */
export async function sendContent(
  request: FastifyRequest,
  reply: FastifyReply,
  files: FileService,
  file: OpenFile,
  disposition: Disposition,
): Promise<FastifyReply> {
  const size = file.version.size;
  const etag = etagOf(file);
  const lastModified = new Date(file.item.updated_at).toUTCString();
  const headers = {
    'accept-ranges': 'bytes',
    etag,
    'last-modified': lastModified,
    'cache-control': 'private, no-cache',
    'content-type': file.item.mime_type ?? 'application/octet-stream',
    'content-disposition': contentDisposition(file.item.name, disposition),
    'x-content-type-options': 'nosniff',
    // A user's HTML or SVG opened inline must not run as our origin.
    'content-security-policy':
      "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'",
  };

  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && matchesEtag(ifNoneMatch, etag)) return reply.code(304).headers(headers).send();

  const range = chooseRange(request, size, etag, lastModified);
  const start = range?.start ?? 0;
  const end = range?.end ?? size;
  let body: Readable | undefined;
  if (request.method !== 'HEAD' && end > start) {
    // Read the first piece before any header is set, so a damaged start of the range is a clean
    // 500 with a message; damage found later can only cut the response short.
    const pieces = files.read(file, start, end);
    const first = await pieces.next();
    body = Readable.from(
      (async function* () {
        if (!first.done) yield first.value;
        yield* pieces;
      })(),
      { objectMode: false },
    );
  }
  reply
    .code(range ? 206 : 200)
    .headers(headers)
    .header('content-length', String(end - start));
  if (range) reply.header('content-range', `bytes ${start}-${end - 1}/${size}`);
  return reply.send(body);
}
