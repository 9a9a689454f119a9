import type { FastifyReply } from 'fastify';
import { badRequest, conflict } from '../lib/app-error.js';
import { readBody, type DavCall } from './dav-call.js';
import { lockTimeout } from './dav-locks.js';
import { parseBody } from './dav-props.js';
import { checkIf, gate, refuseShared, resolve, type DavDeps } from './dav-resources.js';
import { resolveMimeType } from '../lib/mime.js';
import { checkName } from '@idrive/shared';
import { activeLock, DAV_NS, XML_HEAD } from './dav-xml-out.js';
import { elements, is, serializeChildren } from './xml.js';

async function* nothing(): AsyncGenerator<Buffer> {}

function lockAnswer(reply: FastifyReply, status: number, xml: string): FastifyReply {
  return reply
    .code(status)
    .type('application/xml; charset=utf-8')
    .send(`${XML_HEAD}<D:prop xmlns:D="DAV:"><D:lockdiscovery>${xml}</D:lockdiscovery></D:prop>\n`);
}

/**
 * LOCK: a new lock (exclusive or shared, Depth 0 or infinity), or with no body a refresh of the
 * locks the If header names. A LOCK on a URL where nothing is creates an empty file there (201), as
 * RFC 4918 §9.10.4 has it.
 */
export async function lock(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'item');
  refuseShared(res);
  const timeout = lockTimeout(request.headers.timeout as string | undefined);
  const body = await readBody(request);
  const now = Date.now();
  if (body.trim() === '') {
    const tokens = await checkIf(deps, request, user, res);
    const refreshed = await deps.davLocks.refresh(user.id, res.key, tokens, timeout);
    return lockAnswer(reply, 200, refreshed.map((l) => activeLock(l, now)).join(''));
  }
  const info = parseBody(body);
  if (!is(info, DAV_NS, 'lockinfo')) throw badRequest('A LOCK body must be a DAV:lockinfo');
  const scope = elements(info).find((e) => is(e, DAV_NS, 'lockscope'));
  const exclusive = scope ? elements(scope).some((e) => is(e, DAV_NS, 'exclusive')) : true;
  const owner = elements(info).find((e) => is(e, DAV_NS, 'owner'));
  const depth = String(request.headers.depth ?? 'infinity').toLowerCase();
  if (depth !== '0' && depth !== 'infinity') throw badRequest('A LOCK Depth must be 0 or infinity');
  if (!res.item && !res.parent) throw conflict('The parent collection does not exist');
  await checkIf(deps, request, user, res);
  const row = await deps.davLocks.lock(user.id, res.key, {
    exclusive,
    infinite: depth === 'infinity',
    ownerXml: owner ? serializeChildren(owner.children) : null,
    timeoutSeconds: timeout,
  });
  if (!res.item) {
    const check = checkName(res.segments[res.segments.length - 1]!);
    if (!check.ok) throw badRequest(check.reason);
    const target = { parentId: res.parent!.id, name: check.name, conflict: 'fail' as const };
    await deps.files.upload(
      user,
      { ...target, mimeType: resolveMimeType(check.name, undefined) },
      nothing(),
      {},
    );
  }
  reply.header('lock-token', `<${row.token}>`);
  return lockAnswer(reply, res.item ? 200 : 201, activeLock(row, now));
}

/** UNLOCK with the Lock-Token header: 204, or 409 for a token that does not lock this URL. */
export async function unlock(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'item');
  const token = /^\s*<([^>]+)>\s*$/.exec(String(request.headers['lock-token'] ?? ''))?.[1];
  if (!token) throw badRequest('UNLOCK needs a Lock-Token header: <token>');
  await deps.davLocks.unlock(user.id, res.key, token);
  return reply.code(204).send();
}
