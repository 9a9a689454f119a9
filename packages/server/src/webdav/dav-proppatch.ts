import type { FastifyReply } from 'fastify';
import { badRequest, notFound } from '../lib/app-error.js';
import { readBody, type DavCall } from './dav-call.js';
import { davHref } from './dav-path.js';
import { isLive, parseBody, type PropName } from './dav-props.js';
import { checkWrite, gate, refuseShared, resolve, type DavDeps } from './dav-resources.js';
import { DAV_NS, MULTISTATUS_CLOSE, MULTISTATUS_OPEN, propElement, statusLine } from './dav-xml-out.js';
import { elements, escapeXml, is, serializeChildren, textOf } from './xml.js';

const MS_NS = 'urn:schemas-microsoft-com:';

interface PatchOp extends PropName {
  set: boolean;
  value: string;
  text: string;
}

/** A modification time a client sets: Windows' Win32LastModifiedTime, or DAV:lastmodified (rclone's unix seconds). */
function modifiedTime(op: PatchOp): number | undefined {
  const isMtime =
    (op.ns === MS_NS && op.name === 'Win32LastModifiedTime') ||
    (op.ns === DAV_NS && op.name === 'lastmodified');
  if (!op.set || !isMtime) return undefined;
  const text = op.text.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * PROPPATCH, always 207: dead properties are kept (and go along with MOVE and COPY); the times
 * Windows and rclone set are also applied as the file's modified time. Live properties cannot be set
 * (403), and then nothing is changed (the others answer 424), as RFC 4918 requires.
 */
export async function proppatch(call: DavCall, deps: DavDeps): Promise<FastifyReply> {
  const { request, reply, user, auth } = call;
  const root = parseBody(await readBody(request));
  if (!is(root, DAV_NS, 'propertyupdate')) throw badRequest('A PROPPATCH body must be a DAV:propertyupdate');
  const ops: PatchOp[] = elements(root).flatMap((action) => {
    const set = is(action, DAV_NS, 'set');
    if (!set && !is(action, DAV_NS, 'remove')) return [];
    return elements(action)
      .filter((p) => is(p, DAV_NS, 'prop'))
      .flatMap((prop) =>
        elements(prop).map((el) => ({
          ns: el.ns,
          name: el.name,
          set,
          value: serializeChildren(el.children),
          text: textOf(el),
        })),
      );
  });
  const res = await resolve(deps, user, call.path.segments);
  await gate(deps, auth, res, 'item');
  refuseShared(res);
  if (!res.item) throw notFound('Resource');
  await checkWrite(deps, request, user, [{ res, below: false }]);
  const refused = ops.some(isLive);
  if (!refused) {
    // Properties are part of the item: only who may change it may set them (not a viewer of it).
    const item = await deps.items.writable(user, res.item.id);
    await deps.repos.transaction(async (r) => {
      for (const op of ops) {
        if (op.set)
          await r.dav.setProperty({ item_id: item.id, namespace: op.ns, name: op.name, value: op.value });
        else await r.dav.removeProperty(item.id, op.ns, op.name);
      }
    });
    const mtime = ops
      .map(modifiedTime)
      .filter((t) => t !== undefined)
      .pop();
    if (mtime !== undefined) await deps.items.setModified(user, item.id, mtime);
  }
  const propstats = ops
    .map((op) => {
      const status = refused ? (isLive(op) ? 403 : 424) : 200;
      return `<D:propstat><D:prop>${propElement(op.ns, op.name)}</D:prop><D:status>${statusLine(status)}</D:status></D:propstat>`;
    })
    .join('');
  const href = escapeXml(davHref(res.segments, res.item.type === 'folder'));
  return reply
    .code(207)
    .type('application/xml; charset=utf-8')
    .send(
      `${MULTISTATUS_OPEN}<D:response><D:href>${href}</D:href>${propstats}</D:response>\n${MULTISTATUS_CLOSE}`,
    );
}
