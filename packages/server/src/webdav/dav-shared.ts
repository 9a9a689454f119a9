import { nameKey, numberedName } from '@idrive/shared';
import type { ItemRow, UserRow } from '../db/schema.js';
import type { Repositories } from '../repositories/repositories.js';

/**
 * The top-level collection that holds what other users share with this one, there once something
 * is: it then shadows a folder of the same name in their own root, which WebDAV does not show.
 */
export const SHARED_COLLECTION = 'Shared with me';

/** Whether a path's first segment names the collection (as any other name: ignoring case). */
export function inShared(segments: readonly string[]): boolean {
  return segments.length > 0 && nameKey(segments[0]!) === nameKey(SHARED_COLLECTION);
}

/** An item shared with the user, under the name it has in the collection. */
export interface SharedEntry {
  name: string;
  item: ItemRow;
  sharedAt: number;
}

/** More than anyone shares with one person; past it, the newest shares are the ones shown. */
const SHARED_MAX = 10_000;

/**
 * What is shared with the user, each under its own name, or when two share a name (two users'
 * "Photos"), numbered as uploads number a taken name; the order that decides who gets the plain
 * name is the order they were shared in, so names stay put while nothing is shared anew above them.
 */
export async function sharedEntries(repos: Repositories, user: UserRow): Promise<SharedEntry[]> {
  const rows = await repos.userShares.pageSharedWith(user.id, [], 0, SHARED_MAX);
  rows.sort((a, b) => a.granted_at - b.granted_at || (a.id < b.id ? -1 : 1));
  const taken = new Set<string>();
  const entries = rows.map((item) => {
    let name = item.name;
    for (let n = 1; taken.has(nameKey(name)); n++) name = numberedName(item.name, n);
    taken.add(nameKey(name));
    return { name, item, sharedAt: item.granted_at };
  });
  return entries.sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1));
}

/**
 * The collection itself as a listing shows it: a folder in the user's root, as old as the newest
 * share in it (so its ETag changes when something is shared), whose id names no item.
 */
export function sharedCollectionRow(user: UserRow, entries: SharedEntry[]): ItemRow {
  const at = Math.max(0, ...entries.map((e) => e.sharedAt));
  return {
    id: `shared-with:${user.id}`,
    owner_id: user.id,
    parent_id: user.root_folder_id,
    type: 'folder',
    name: SHARED_COLLECTION,
    name_key: nameKey(SHARED_COLLECTION),
    size: 0,
    mime_type: null,
    version_id: null,
    created_at: at,
    updated_at: at,
    trashed_at: null,
    trash_root_id: null,
    original_parent_id: null,
    search_name: SHARED_COLLECTION.toLowerCase(),
  };
}
