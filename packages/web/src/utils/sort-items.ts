import type { Item, SortKey } from '@idrive/shared';

export type SortOrder = 'asc' | 'desc';

export interface SortChoice {
  sort: SortKey;
  order: SortOrder;
}

/** The server's name key (NFC, lower case); kept local so no runtime code from shared is bundled. */
function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

function compareText(a: string | null, b: string | null): number {
  // SQL sorts NULL first in ascending order.
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/**
 * The order the server lists a folder in (folders first, then the key, ties by name, then id), so an
 * item that arrives later (an upload, a live event) can be put where a reload would show it.
 */
export function compareItems(a: Item, b: Item, { sort, order }: SortChoice): number {
  if (a.type !== b.type) return a.type === 'folder' ? -1 : 1;
  let result = 0;
  switch (sort) {
    case 'name':
      break;
    case 'size':
      result = a.size - b.size;
      break;
    case 'updated':
      result = Date.parse(a.updatedAt) - Date.parse(b.updatedAt);
      break;
    case 'type':
      result = compareText(a.mimeType, b.mimeType);
      break;
  }
  if (result === 0) result = compareText(nameKey(a.name), nameKey(b.name));
  if (result !== 0) return order === 'asc' ? Math.sign(result) : -Math.sign(result);
  return compareText(a.id, b.id);
}

/** Where `item` goes in `items` (already in this order): the first index it sorts before. */
export function sortedIndex(items: readonly Item[], item: Item, choice: SortChoice): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareItems(items[mid]!, item, choice) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
