import type { Item, SearchResult, SharedMark, ShareRole, UserItem } from '@idrive/shared';

/** What the user is to an item: its owner, or what a share makes them. */
export type AccessRole = 'owner' | ShareRole;

/** Whose an item is and as what it is shared with the user; undefined for the user's own. */
export function sharedMarkOf(item: Item): SharedMark | undefined {
  return (item as Partial<UserItem>).shared;
}

/**
 * The item shared with the user itself (a result whose path starts at it): it sits in Shared with
 * me, and its entry is in its owner's folder, so it is not renamed, moved or trashed from here.
 */
export function isSharedTop(item: Item): boolean {
  const path = (item as Partial<SearchResult>).parentPath;
  return sharedMarkOf(item) !== undefined && Array.isArray(path) && path.length === 0;
}

/** The least any of the items allows; `fallback` (the open folder's) for those that say nothing. */
export function roleOver(items: readonly Item[], fallback: AccessRole): AccessRole {
  const roles = items.map((item) => sharedMarkOf(item)?.role ?? fallback);
  if (roles.includes('viewer')) return 'viewer';
  return roles.includes('editor') ? 'editor' : 'owner';
}
