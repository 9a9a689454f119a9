import { nameKey } from '@idrive/shared';
import type { FastifyRequest } from 'fastify';
import type { DavLockRow, ItemRow, UserRow } from '../db/schema.js';
import { AppError, forbidden } from '../lib/app-error.js';
import type { Repositories } from '../repositories/repositories.js';
import type { Authenticated } from '../services/auth.service.js';
import type { FileService } from '../services/file.service.js';
import type { ItemService } from '../services/item.service.js';
import type { LockScope, LockService } from '../services/lock.service.js';
import type { QuotaService } from '../services/quota.service.js';
import { parseIf, submittedTokens, type IfList } from './dav-if.js';
import { davLocked, type DavLockService } from './dav-locks.js';
import { parseDestination, pathKey } from './dav-path.js';
import { etagOf } from './dav-props.js';

/** What the WebDAV handlers work through: the same services as the REST API. */
export interface DavDeps {
  repos: Repositories;
  items: ItemService;
  files: FileService;
  folderLocks: LockService;
  davLocks: DavLockService;
  quota: QuotaService;
}

/** A URL resolved in the user's drive: the item there, or where it would go. */
export interface Resource {
  segments: string[];
  /** The path as locks record it. */
  key: string;
  item: ItemRow | undefined;
  /** The live folder the last segment is in; undefined when a segment before it is missing or a file. */
  parent: ItemRow | undefined;
  /** The deepest item that exists on the way: what a password lock is checked on. */
  deepest: ItemRow;
}

export async function resolve(deps: DavDeps, user: UserRow, segments: string[]): Promise<Resource> {
  const key = pathKey(segments);
  let current = await deps.items.get(user, user.root_folder_id);
  for (let i = 0; i < segments.length; i++) {
    const child =
      current.type === 'folder'
        ? await deps.repos.items.findLiveChild(current.id, nameKey(segments[i]!))
        : undefined;
    const last = i === segments.length - 1;
    if (!child) {
      const parent = last && current.type === 'folder' ? current : undefined;
      return { segments, key, item: undefined, parent, deepest: current };
    }
    if (last) return { segments, key, item: child, parent: current, deepest: child };
    current = child;
  }
  return { segments, key, item: current, parent: undefined, deepest: current };
}

/**
 * Password-locked folders stay closed over WebDAV: Basic clients have no way to unlock one, so what
 * is inside answers 403 (not 423, which WebDAV clients take for a lock of their own and retry).
 */
export async function gate(
  deps: DavDeps,
  auth: Authenticated,
  res: Resource,
  scope: LockScope,
): Promise<void> {
  try {
    await deps.folderLocks.check(auth, res.deepest.id, res.item ? scope : 'contents');
  } catch (err) {
    if (err instanceof AppError && err.code === 'locked') {
      throw forbidden(`${err.message}; locked folders cannot be opened over WebDAV`);
    }
    throw err;
  }
}

/** The version of a file (for its ETag), undefined for a folder. */
export async function versionOf(deps: DavDeps, item: ItemRow) {
  return item.version_id ? deps.repos.versions.findById(item.version_id) : undefined;
}

/** What must hold before a write: the If header (412), then the locks on what it touches (423). */
export interface WriteCheck {
  res: Resource;
  /** Whether what is inside counts too (DELETE and MOVE of a collection). */
  below: boolean;
}

/**
 * Evaluates the If header (RFC 4918 §10.4: true when any of its lists holds) and returns the tokens
 * it submits; 412 when it is false. Then every lock affecting the targets must be one whose token
 * was submitted (for shared locks on one path, any of them), else 423.
 */
export async function checkWrite(
  deps: DavDeps,
  request: FastifyRequest,
  user: UserRow,
  targets: WriteCheck[],
): Promise<Set<string>> {
  const tokens = await checkIf(deps, request, user, targets[0]!.res);
  for (const { res, below } of targets) {
    const locks = await deps.davLocks.affecting(user.id, res.key, below);
    const unsatisfied = locks.filter((l) => !tokens.has(l.token) && !sharedHeld(l, locks, tokens));
    if (unsatisfied.length > 0)
      throw davLocked('The resource is locked; send its lock token in an If header');
  }
  return tokens;
}

function sharedHeld(lock: DavLockRow, all: DavLockRow[], tokens: Set<string>): boolean {
  return (
    lock.exclusive === 0 && all.some((o) => o.path === lock.path && o.exclusive === 0 && tokens.has(o.token))
  );
}

/** The tokens an If header submits, once it has been found true (412 otherwise). */
export async function checkIf(
  deps: DavDeps,
  request: FastifyRequest,
  user: UserRow,
  res: Resource,
): Promise<Set<string>> {
  const header = request.headers.if;
  if (typeof header !== 'string') return new Set();
  const lists = parseIf(header);
  for (const list of lists)
    if (await listHolds(deps, request, user, res, list)) return submittedTokens(lists);
  throw new AppError(412, 'precondition_failed', 'The If header does not hold');
}

async function listHolds(
  deps: DavDeps,
  request: FastifyRequest,
  user: UserRow,
  res: Resource,
  list: IfList,
): Promise<boolean> {
  let target = res;
  if (list.resource !== undefined) {
    try {
      target = await resolve(deps, user, parseDestination(list.resource, request.host).segments);
    } catch {
      return false;
    }
  }
  const version = target.item ? await versionOf(deps, target.item) : undefined;
  const etag = target.item ? etagOf(target.item, version) : undefined;
  const held = new Set((await deps.davLocks.covering(user.id, target.key)).map((l) => l.token));
  return list.conditions.every((c) => {
    const holds = c.token !== undefined ? held.has(c.token) : etag !== undefined && c.etag === etag;
    return holds !== c.not;
  });
}
