import type { Item, PathEntry } from '@idrive/shared';
import { folderPath } from './location';

/** An entry that says where it is (a search result, a starred or recent item). */
type Located = Item & { parentPath: PathEntry[] };

function isLocated(item: Item): item is Located {
  return Array.isArray((item as Partial<Located>).parentPath);
}

/** The folder an entry is in, as a path to read ("My Drive / Reports") and its page; null if unknown. */
export function locationOf(item: Item, home: string): { text: string; to: string } | null {
  if (!isLocated(item)) return null;
  const path = item.parentPath;
  return {
    text: path.map((entry, i) => (i === 0 ? entry.name || home : entry.name)).join(' / '),
    // The root's page is `/`.
    to: folderPath(path.length > 1 ? item.parentId : null),
  };
}
