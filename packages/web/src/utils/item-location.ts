import type { Item, PathEntry } from '@idrive/shared';
import { isSharedTop, sharedMarkOf } from './item-access';
import { folderPath } from './location';

/** An entry that says where it is (a search result, a starred or recent item). */
type Located = Item & { parentPath: PathEntry[] };

function isLocated(item: Item): item is Located {
  return Array.isArray((item as Partial<Located>).parentPath);
}

/** What the start of a location is called: the user's root, and Shared with me. */
export interface PlaceNames {
  home: string;
  sharedWithMe: string;
}

/** The folder an entry is in, as a path to read ("My Drive / Reports") and its page; null if unknown. */
export function locationOf(item: Item, names: PlaceNames): { text: string; to: string } | null {
  if (!isLocated(item)) return null;
  const path = item.parentPath;
  // Another user's item: its path starts at what is shared with the user, which sits in Shared with me.
  if (sharedMarkOf(item)) {
    return {
      text: [names.sharedWithMe, ...path.map((entry) => entry.name)].join(' / '),
      to: isSharedTop(item) ? '/shared-with-me' : folderPath(item.parentId),
    };
  }
  return {
    text: path.map((entry, i) => (i === 0 ? entry.name || names.home : entry.name)).join(' / '),
    // The root's page is `/`.
    to: folderPath(path.length > 1 ? item.parentId : null),
  };
}
