import type { ServerResponse } from 'node:http';
import { contentDisposition } from '../lib/content-disposition.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import type { FileVersionRow } from '../db/schema.js';
import { AppError } from '../lib/app-error.js';
import { contentTypeHeader } from '../lib/mime.js';
import { written } from '../lib/written.js';
import type { DownloadError, ResponseEnd } from '../services/download.service.js';
import type { FileService, OpenFile } from '../services/file.service.js';
import type { ZipDownload } from '../services/zip.service.js';
import { errorAnswer } from './errors.js';

export type Disposition = 'inline' | 'attachment';

/** Someone following a response as it goes out (a page showing a download's progress). */
export interface ResponseWatch {
  /** Aborted to cut the response short. */
  readonly signal: AbortSignal;
  /** The body goes out from byte `start`. */
  sending(start: number): void;
  /** The socket has taken `bytes` more. */
  sent(bytes: number): void;
  /** `failed` comes with the error the client was told, or past the headers would have been. */
  ended(how: ResponseEnd, error?: DownloadError): void;
}

/**
 * For bytes a user stored: never sniffed into another type, and a user's HTML or SVG opened inline
 * must not run as our origin. Only the app itself may frame it (its PDF viewer does).
 */
export const UNTRUSTED_CONTENT_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
  'x-frame-options': 'SAMEORIGIN',
} as const;

/** A strong validator: the same bytes always have the same SHA-256, different bytes never do. */
export function versionEtag(version: Pick<FileVersionRow, 'id' | 'sha256'>): string {
  return `"${version.sha256 ?? version.id}"`;
}

/** Whether an If-Match or If-None-Match header names this ETag (or `*`). */
export function matchesEtag(header: string, etag: string): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/**
 * Decides which bytes to send: the whole file, one range (206), or none (416). If-Range that no longer
 * matches means the client's copy is stale, so it gets the whole new file rather than a spliced one.
 * Several ranges are answered with the whole file, which RFC 9110 allows. Without `lastModified`,
 * only the ETag can validate a resumed download.
 */
function chooseRange(request: FastifyRequest, size: number, etag: string, lastModified?: string) {
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
  watch?: ResponseWatch,
): Promise<FastifyReply> {
  return sendRanged(request, reply, contentBody(files, file, disposition), watch);
}

/**
 * The first byte a GET for this body will be answered from: 0 for the whole body, else where the one
 * range served begins. Decided by the same parsing that serves it, so every spelling of a range from
 * byte 0 (`bytes=00-`, `bytes= 0-`, `bytes=0-0,1-`) is a download from the start.
 */
export function firstByteServed(
  request: FastifyRequest,
  body: Pick<RangedBody, 'size' | 'etag' | 'lastModified'>,
): number {
  return chooseRange(request, body.size, body.etag, body.lastModified)?.start ?? 0;
}

/** A stored file's bytes as a ranged body. */
export function contentBody(files: FileService, file: OpenFile, disposition: Disposition): RangedBody {
  return {
    size: file.version.size,
    etag: versionEtag(file.version),
    lastModified: new Date(file.item.updated_at).toUTCString(),
    headers: {
      'cache-control': 'private, no-cache',
      'content-type': contentTypeHeader(file.item.mime_type),
      'content-disposition': contentDisposition(file.item.name, disposition),
      ...UNTRUSTED_CONTENT_HEADERS,
    },
    read: (start, end) => files.read(file, start, end),
    release: (piece) => files.release(piece),
  };
}

/** A body that can be produced from any byte on, with a strong validator. */
export interface RangedBody {
  size: number;
  etag: string;
  /** An HTTP date; without one, only the ETag validates a resumed download. */
  lastModified?: string;
  /** Everything but the validators and the lengths. */
  headers: Record<string, string>;
  read(start: number, end: number): AsyncGenerator<Buffer>;
  release(piece: Buffer): void;
}

/**
 * Answers GET or HEAD for a body with Range, If-Range and If-None-Match. An answer without a body
 * (HEAD, 304, an empty range) goes out through Fastify, whose hooks see it end.
 */
export async function sendRanged(
  request: FastifyRequest,
  reply: FastifyReply,
  body: RangedBody,
  watch?: ResponseWatch,
): Promise<FastifyReply> {
  const { size, etag, lastModified } = body;
  const headers = {
    'accept-ranges': 'bytes',
    etag,
    ...(lastModified ? { 'last-modified': lastModified } : {}),
    ...body.headers,
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

  watch?.sending(start);
  return sendPieces(
    request,
    reply,
    status,
    { ...headers, ...lengths },
    body.read(start, end),
    (piece) => body.release(piece),
    watch,
  );
}

/**
 * Sends a body produced piece by piece. The first piece is read before any header goes out, so a
 * damaged start is a clean error response with a message; damage found later can only cut the
 * response short. The body is written here rather than through a stream, so that each piece can go
 * back to its buffer pool (`release`) as soon as the socket has taken it. A `watch` hears each piece
 * taken and how the response ended, and aborting its signal cuts the response.
 */
export async function sendPieces(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  headers: Record<string, string>,
  pieces: AsyncGenerator<Buffer>,
  release: (piece: Buffer) => void,
  watch?: ResponseWatch,
): Promise<FastifyReply> {
  const first = await pieces.next();
  reply.hijack();
  const res = reply.raw;
  const cut = () => res.destroy();
  watch?.signal.addEventListener('abort', cut, { once: true });
  // The piece not yet handed back to its pool, whatever ends the response: a header Node refuses, a
  // read that fails part way, a client that goes away.
  let held: Buffer | undefined = first.done ? undefined : first.value;
  try {
    // Cancelled while it was prepared: it never starts.
    if (watch?.signal.aborted) res.destroy();
    else res.writeHead(status, headers);
    for (let next = first; !next.done; next = await pieces.next()) {
      held = next.value;
      if (!(await writeOut(res, held, watch))) {
        watch?.ended('cut');
        return reply;
      }
      release(held);
      held = undefined;
    }
    res.end();
    watch?.ended('whole');
  } catch (err) {
    request.log.error({ err }, 'a response failed after it had started');
    res.destroy(err as Error);
    watch?.ended('failed', errorAnswer(err as Error).body.error);
  } finally {
    watch?.signal.removeEventListener('abort', cut);
    if (held) release(held);
    await pieces.return(undefined);
  }
  return reply;
}

/**
 * A watched response goes out in slices of this size, each counted once the socket has taken it:
 * a chunk is 8 MiB, which on a slow line would move a progress bar once every few seconds.
 */
const WATCHED_SLICE_BYTES = 512 * 1024;

/** Writes a piece (a watched response's in slices); false if the client went away. */
async function writeOut(res: ServerResponse, piece: Buffer, watch?: ResponseWatch): Promise<boolean> {
  if (!watch) return written(res, piece);
  for (let at = 0; at < piece.length; at += WATCHED_SLICE_BYTES) {
    const slice = piece.subarray(at, at + WATCHED_SLICE_BYTES);
    if (!(await written(res, slice))) return false;
    watch.sent(slice.length);
  }
  return true;
}

/** An archive with Range and If-Range, so that a dropped download resumes with the same bytes. */
export function sendZip(
  request: FastifyRequest,
  reply: FastifyReply,
  zip: ZipDownload,
  watch?: ResponseWatch,
): Promise<FastifyReply> {
  return sendRanged(request, reply, zipBody(zip), watch);
}

/** A zip download as a ranged body. */
export function zipBody(zip: ZipDownload): RangedBody {
  return {
    size: zip.size,
    etag: zip.etag,
    headers: {
      'cache-control': 'private, no-cache',
      'content-type': 'application/zip',
      'content-disposition': contentDisposition(zip.name, 'attachment'),
      ...UNTRUSTED_CONTENT_HEADERS,
    },
    read: (start, end) => zip.read(start, end),
    release: (piece) => zip.release(piece),
  };
}
