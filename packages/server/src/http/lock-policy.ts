import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticated } from '../services/auth.service.js';
import type { LockScope } from '../services/lock.service.js';

/**
 * Where a route finds the items it acts on. `upload` and `share` name an upload or a share link in
 * `params.id`; what is checked is the folder the upload goes to, or the shared item.
 */
export type LockTarget =
  'params.id' | 'body.parentId' | 'body.itemId' | 'body.ids' | 'query.in' | 'query.ids' | 'upload' | 'share';

export type LockRule = Partial<Record<LockTarget, LockScope>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The items this route acts on, each refused with 423 while a locked folder keeps it closed. */
    locks?: LockRule;
    /** Why a route that takes an id is not checked against locks (the route walk insists on one). */
    lockExempt?: string;
  }
}

/** What the policy needs from the services: a lock check, and the item behind an upload or a share. */
export interface LockGuard {
  check(auth: Authenticated, itemId: string, scope: LockScope): Promise<void>;
  uploadFolder(auth: Authenticated, uploadId: string): Promise<string>;
  sharedItem(auth: Authenticated, shareId: string): Promise<string>;
}

function idsAt(request: FastifyRequest, target: LockTarget): string[] {
  const [where, key] = target.split('.') as ['params' | 'body' | 'query', string];
  const source = (request[where] ?? {}) as Record<string, unknown>;
  const value = source[key];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

async function itemIds(
  guard: LockGuard,
  auth: Authenticated,
  request: FastifyRequest,
  target: LockTarget,
): Promise<string[]> {
  if (target === 'upload' || target === 'share') {
    const [id] = idsAt(request, 'params.id');
    if (!id) return [];
    return [target === 'upload' ? await guard.uploadFolder(auth, id) : await guard.sharedItem(auth, id)];
  }
  return idsAt(request, target);
}

/**
 * Enforces each route's `locks` rule once its input is validated, before its handler runs, so no
 * handler can forget a lock check. Routes without a signed-in user (share visitors) are judged by
 * the share's own chain check instead.
 */
export function registerLockPolicy(app: FastifyInstance, guard: LockGuard): void {
  app.addHook('preHandler', async (request) => {
    const rule = request.routeOptions.config.locks;
    const auth = request.auth;
    if (!rule || !auth) return;
    for (const [target, scope] of Object.entries(rule) as [LockTarget, LockScope][]) {
      for (const id of await itemIds(guard, auth, request, target)) await guard.check(auth, id, scope);
    }
  });
}
