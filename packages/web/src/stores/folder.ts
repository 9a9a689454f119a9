import type { Item, ItemDetails, Listing, SortKey } from '@idrive/shared';
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { getListing } from '../api/folders';
import { ApiError, errorMessage } from '../api/http';
import { afterPaint } from '../utils/frames';
import { rememberedChoice, savedChoice } from '../utils/remembered';
import { sortedIndex, type SortOrder } from '../utils/sort-items';

/** A small first page shows something quickly. */
const FIRST_PAGE = 500;
/**
 * The rest comes in pages small enough that none holds the server for long: it answers one request
 * at a time, and a 10,000-entry page kept whatever the user did next (open a subfolder, go back)
 * waiting about three times as long as a 2,000-entry one.
 */
const REST_PAGE = 2_000;
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

/**
 * The folder being browsed: its details and all its entries in display order. Views and overlays that
 * work on "the current folder" (the browser, the preview's next/previous) read it from here.
 */
export const useFolderStore = defineStore('folder', () => {
  const folder = shallowRef<ItemDetails | null>(null);
  const items = shallowRef<Item[]>([]);
  const total = shallowRef(0);
  /** False while later pages of a big folder are still coming in. */
  const complete = shallowRef(true);
  /** Why the rest of a big folder could not be fetched ('' when it could). */
  const pageError = shallowRef('');
  const sort = rememberedChoice<SortKey>(SORT.key, SORT.allowed, SORT.fallback);
  const order = rememberedChoice<SortOrder>(ORDER.key, ORDER.allowed, ORDER.fallback);

  /** The id `load` was last asked for (`null` = root), so `reload` can repeat it. */
  let requested: string | null = null;
  let controller: AbortController | null = null;

  /**
   * Loads the first page and resolves; the remaining pages stream in afterwards (see `complete`).
   * `null` loads the root. Rejects with ApiError (404, 423 locked, …) for the view to show, or with
   * an AbortError when a newer load replaced this one.
   */
  async function load(id: string | null): Promise<void> {
    controller?.abort();
    const current = new AbortController();
    controller = current;
    requested = id;
    const first = await firstPage(id, { sort: sort.value, order: order.value }, current.signal);
    current.signal.throwIfAborted();
    folder.value = first.folder;
    items.value = first.items;
    total.value = first.total;
    pageError.value = '';
    complete.value = first.items.length >= first.total;
    // The rest is asked for once the first rows are on screen: the server building a 10,000-entry
    // page, and the page parsing it, would otherwise hold up the first rows on a small machine.
    if (!complete.value) void afterPaint().then(() => loadRest(first.folder.id, current));
  }

  async function loadRest(id: string, current: AbortController): Promise<void> {
    const choice = { sort: sort.value, order: order.value };
    try {
      while (!current.signal.aborted) {
        // Paging by offset: an entry added meanwhile may show up twice, so known ids are skipped.
        const page = await getListing(id, {
          ...choice,
          offset: items.value.length,
          limit: REST_PAGE,
          signal: current.signal,
        });
        if (current.signal.aborted) return;
        const known = new Set(items.value.map((item) => item.id));
        items.value = items.value.concat(page.items.filter((item) => !known.has(item.id)));
        total.value = page.total;
        if (page.items.length === 0 || items.value.length >= page.total) break;
      }
      complete.value = true;
    } catch (err) {
      if (!current.signal.aborted) pageError.value = errorMessage(err);
    }
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
    const belongs = changed.parentId === folder.value.id && changed.trashedAt === null;
    const index = items.value.findIndex((entry) => entry.id === changed.id);
    const item = { ...changed, starred: changed.starred ?? items.value[index]?.starred ?? false };
    if (!belongs) {
      if (index !== -1) remove([item.id]);
      return;
    }
    const without = index === -1 ? items.value : items.value.toSpliced(index, 1);
    const at = sortedIndex(without, item, { sort: sort.value, order: order.value });
    // Past the loaded pages of a big folder: a later page brings it.
    if (at === without.length && !complete.value) {
      items.value = without;
    } else {
      items.value = without.toSpliced(at, 0, item);
    }
    if (index === -1) total.value++;
  }

  /** Stars put on or taken off here or in another tab. */
  function setStarred(ids: readonly string[], starred: boolean): void {
    const changed = new Set(ids);
    if (folder.value && changed.has(folder.value.id)) folder.value = { ...folder.value, starred };
    if (items.value.some((entry) => changed.has(entry.id) && entry.starred !== starred)) {
      items.value = items.value.map((entry) => (changed.has(entry.id) ? { ...entry, starred } : entry));
    }
  }

  function remove(ids: readonly string[]): void {
    const gone = new Set(ids);
    const kept = items.value.filter((entry) => !gone.has(entry.id));
    total.value -= items.value.length - kept.length;
    items.value = kept;
  }

  function clear(): void {
    controller?.abort();
    controller = null;
    folder.value = null;
    items.value = [];
    total.value = 0;
    complete.value = true;
    pageError.value = '';
  }

  return {
    folder,
    items,
    total,
    complete,
    pageError,
    sort,
    order,
    load,
    reload,
    upsert,
    setStarred,
    remove,
    clear,
  };
});
