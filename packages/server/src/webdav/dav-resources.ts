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
import { inShared, SHARED_COLLECTION, sharedEntries, type SharedEntry } from './dav-shared.js';

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
  /**
   * The live folder the last segment is in; undefined when a segment before it is missing or a file,
   * and for what sits in Shared with me (its folder is its owner's).
   */
  parent: ItemRow | undefined;
  /** The deepest item that exists on the way: what a password lock is checked on. */
  deepest: ItemRow;
  /** The Shared with me collection itself, which is no item. */
  shared?: SharedEntry[];
}

export async function resolve(deps: DavDeps, user: UserRow, segments: string[]): Promise<Resource> {
  const key = pathKey(segments);
  const root = await deps.items.get(user, user.root_folder_id);
  // With nothing shared with the user, the name is an ordinary one of their root.
  const entries = inShared(segments) ? await sharedEntries(deps.repos, user) : [];
  if (entries.length > 0) return resolveShared(deps, segments, key, root, entries);
  return walk(deps, segments, key, root, 0);
}

/** /Shared with me/, and below it: the items shared with the user, then whatever is inside them. */
async function resolveShared(
  deps: DavDeps,
  segments: string[],
  key: string,
  root: ItemRow,
  entries: SharedEntry[],
): Promise<Resource> {
  if (segments.length === 1) {
    return { segments, key, item: undefined, parent: undefined, deepest: root, shared: entries };
  }
  const entry = entries.find((e) => nameKey(e.name) === nameKey(segments[1]!));
  if (!entry) return { segments, key, item: undefined, parent: undefined, deepest: root };
  if (segments.length === 2)
    return { segments, key, item: entry.item, parent: undefined, deepest: entry.item };
  return walk(deps, segments, key, entry.item, 2);
}

/** From `start` (what the segments before `from` name) down the rest of the segments. */
async function walk(
  deps: DavDeps,
  segments: string[],
  key: string,
  start: ItemRow,
  from: number,
): Promise<Resource> {
  let current = start;
  for (let i = from; i < segments.length; i++) {
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

/** Refuses to change the Shared with me collection itself: it is a list, not a folder. */
export function refuseShared(res: Resource): void {
  if (res.shared)
    throw forbidden(`"${SHARED_COLLECTION}" lists what others share with you; it cannot be changed`);
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
