import type { ServerResponse } from 'node:http';
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
  const status = range ? 206 : 200;
  const lengths = {
    'content-length': String(end - start),
    ...(range ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {}),
  };
  if (request.method === 'HEAD' || end === start)
    return reply
      .code(status)
      .headers({ ...headers, ...lengths })
      .send();

  // Read the first piece before any header goes out, so a damaged start of the range is a clean
  // 500 with a message; damage found later can only cut the response short.
  const pieces = files.read(file, start, end);
  const first = await pieces.next();

  // The body is written here rather than through a stream, so that each piece can go back to the
  // file service's buffer pool as soon as the socket has taken it.
  reply.hijack();
  const res = reply.raw;
  res.writeHead(status, { ...headers, ...lengths });
  try {
    for (let next = first; !next.done; next = await pieces.next()) {
      if (!(await written(res, next.value))) return reply;
      files.release(next.value);
    }
    res.end();
  } catch (err) {
    request.log.error({ err }, 'file read failed after the response started');
    res.destroy(err as Error);
  } finally {
    await pieces.return(undefined);
  }
  return reply;
}

/** Writes a piece and resolves true once the socket has taken it, or false if the client went away. */
function written(res: ServerResponse, piece: Buffer): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const closed = () => resolve(false);
    res.once('close', closed);
    res.write(piece, (err) => {
      res.off('close', closed);
      resolve(!err);
    });
  });
}
