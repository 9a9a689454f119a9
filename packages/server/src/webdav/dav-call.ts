import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRow } from '../db/schema.js';
import { currentAuth } from '../http/auth.js';
import { AppError } from '../lib/app-error.js';
import type { Authenticated } from '../services/auth.service.js';
import { parseDavPath, type DavPath } from './dav-path.js';

/** The largest XML body taken (PROPFIND, PROPPATCH, LOCK): real ones are a few hundred bytes. */
export const XML_BODY_LIMIT = 256 * 1024;

/** One WebDAV request: who makes it and the drive path it names. */
export interface DavCall {
  request: FastifyRequest;
  reply: FastifyReply;
  auth: Authenticated;
  user: UserRow;
  path: DavPath;
}

export function davCall(request: FastifyRequest, reply: FastifyReply): DavCall {
  const auth = currentAuth(request);
  return { request, reply, auth, user: auth.user, path: parseDavPath(request.url) };
}

/** The request body as text, 413 past the limit (the route's parser leaves the body unread). */
export async function readBody(request: FastifyRequest): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > XML_BODY_LIMIT) throw tooLarge();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of request.raw as AsyncIterable<Buffer>) {
    size += piece.length;
    if (size > XML_BODY_LIMIT) throw tooLarge();
    parts.push(piece);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Whether the request carries a body at all (MKCOL refuses one). */
export function hasBody(request: FastifyRequest): boolean {
  return (
    Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined
  );
}

const tooLarge = () =>
  new AppError(413, 'payload_too_large', `An XML body may be at most ${XML_BODY_LIMIT} bytes`);
