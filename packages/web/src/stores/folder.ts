import type { Item, ItemDetails, Listing, SortKey } from '@idrive/shared';
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import { getListing } from '../api/folders';
import { ApiError } from '../api/http';
import { usePagedItems, type PageFetcher } from '../composables/paged-items';
import { rememberedChoice, savedChoice } from '../utils/remembered';
import { sortedIndex, type SortOrder } from '../utils/sort-items';

/** A small first page shows something quickly. */
const FIRST_PAGE = 500;
const SORT = { key: 'idrive.sort', allowed: ['name', 'size', 'updated', 'type'], fallback: 'name' } as const;
const ORDER = { key: 'idrive.order', allowed: ['asc', 'desc'], fallback: 'asc' } as const;

interface Choice {
  sort: SortKey;
  order: SortOrder;
}

/** The first page asked for at start-up (see `preloadFolder`), until the store's first load takes it. */
let preloaded: (Choice & { id: string | null; listing: Promise<Listing> }) | null = null;

/**
 * Asks now, while the app is still starting (checking the session, fetching the view), for the first
 * page of folder `id` (`null` = root) in the remembered order: the store's first load of that folder
 * takes this answer instead of asking only once everything else is ready.
 */
export function preloadFolder(id: string | null): void {
  const choice: Choice = {
    sort: savedChoice<SortKey>(SORT.key, SORT.allowed, SORT.fallback),
    order: savedChoice<SortOrder>(ORDER.key, ORDER.allowed, ORDER.fallback),
  };
  const listing = getListing(id, { ...choice, limit: FIRST_PAGE });
  // Reported by the load that takes it.
  listing.catch(() => undefined);
  preloaded = { id, ...choice, listing };
}

/** The first page of a folder: the preloaded one when it is this folder in this order, else asked for. */
async function firstPage(id: string | null, choice: Choice, signal: AbortSignal): Promise<Listing> {
  const early = preloaded;
  preloaded = null;
  if (early && early.id === id && early.sort === choice.sort && early.order === choice.order) {
    try {
      return await early.listing;
    } catch (err) {
      // Asked before anyone had signed in: now someone has, so ask again.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
  }
  return getListing(id, { ...choice, limit: FIRST_PAGE, signal });
}

/** The pages of folder `id` in this order, the first one taken from start-up when it was asked for then. */
function listingPages(id: string | null, choice: Choice): PageFetcher<Item, Listing> {
  return (offset, limit, signal) =>
    offset === 0 ? firstPage(id, choice, signal) : getListing(id, { ...choice, offset, limit, signal });
}

/**
 * The folder being browsed: its details and its entries in display order, loaded a page at a time as
 * the list needs them (`paged`, which the list is given). Views and overlays that work on "the
 * current folder" (the browser, the preview's next/previous, uploads, live events) read it here.
 */
export const useFolderStore = defineStore('folder', () => {
  const folder = shallowRef<ItemDetails | null>(null);
  const paged = usePagedItems<Item, Listing>(listingPages(null, { sort: 'name', order: 'asc' }), {
    firstPage: FIRST_PAGE,
  });
  /** The entries loaded so far; the rest of a big folder comes as the list scrolls to it. */
  const items = computed(() => paged.items.value);
  const total = computed(() => paged.total.value);
  const sort = rememberedChoice<SortKey>(SORT.key, SORT.allowed, SORT.fallback);
  const order = rememberedChoice<SortOrder>(ORDER.key, ORDER.allowed, ORDER.fallback);

  /** The id `load` was last asked for (`null` = root), so `reload` can repeat it. */
  let requested: string | null = null;

  /**
   * Loads the folder's first page and resolves; later pages come when the list asks for them.
   * `null` loads the root. Rejects with ApiError (404, 423 locked, …) for the view to show, or with
   * an AbortError when a newer load replaced this one.
   */
  async function load(id: string | null): Promise<void> {
    requested = id;
    const first = await paged.load(listingPages(id, { sort: sort.value, order: order.value }));
    folder.value = first.folder;
  }

  /** The same folder again (after a live `resync`, a lock change, a new sort order). */
  function reload(): Promise<void> {
    return load(requested);
  }

  /**
   * A change seen elsewhere (a finished upload, a live event): an item now in the current folder is
   * put at its sorted place or replaced; one that left it (moved, trashed) is dropped. An item that
   * does not say whether it is starred (live events are not one user's view) keeps what was known.
   */
  function upsert(changed: Item): void {
    if (!folder.value) return;
    if (changed.id === folder.value.id) {
      folder.value = { ...folder.value, ...changed, starred: changed.starred ?? folder.value.starred };
      return;
    }
    const list = paged.items.value;
    const belongs = changed.parentId === folder.value.id && changed.trashedAt === null;
    const index = list.findIndex((entry) => entry.id === changed.id);
    const item = { ...changed, starred: changed.starred ?? list[index]?.starred ?? false };
    if (!belongs) {
      if (index !== -1) paged.remove([item.id]);
      return;
    }
    const without = index === -1 ? list : list.toSpliced(index, 1);
    const at = sortedIndex(without, item, { sort: sort.value, order: order.value });
    // Past the loaded pages of a big folder: a later page brings it.
    if (at === without.length && !paged.complete.value) {
      paged.items.value = without;
    } else {
      paged.items.value = without.toSpliced(at, 0, item);
    }
    if (index === -1) paged.total.value++;
  }

  /** Stars put on or taken off here or in another tab. */
  function setStarred(ids: readonly string[], starred: boolean): void {
    const changed = new Set(ids);
    if (folder.value && changed.has(folder.value.id)) folder.value = { ...folder.value, starred };
    const list = paged.items.value;
    if (list.some((entry) => changed.has(entry.id) && entry.starred !== starred)) {
      paged.items.value = list.map((entry) => (changed.has(entry.id) ? { ...entry, starred } : entry));
    }
  }

  function clear(): void {
    paged.clear();
    folder.value = null;
  }

  return {
    folder,
    paged,
    items,
    total,
    sort,
    order,
    load,
    reload,
    upsert,
    setStarred,
    remove: paged.remove,
    clear,
  };
});
