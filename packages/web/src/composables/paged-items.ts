import { computed, markRaw, shallowRef, type ComputedRef, type Raw, type ShallowRef } from 'vue';
import { errorMessage } from '../api/http';

/** One answer of a paged list endpoint: some entries and how many there are in all. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** Asks for `limit` entries from `offset`; may answer fewer. */
export type PageFetcher<T, P extends Page<T> = Page<T>> = (
  offset: number,
  limit: number,
  signal: AbortSignal,
) => Promise<P>;

export interface PagedOptions {
  /** Entries asked for first: small, so the first rows show quickly. */
  firstPage?: number;
  /** Entries per later page. */
  pageSize?: number;
}

/**
 * A list loaded a page at a time, from its first entry on, as far as someone needs it. `ItemList`
 * asks for what it is about to show; a view asks for everything only to act on everything (select
 * all). Entries past what is loaded are known only by their number (`total`).
 */
export interface PagedItems<T extends { id: string }, P extends Page<T> = Page<T>> {
  /** The entries loaded so far, in display order. Owners may replace it (a live change). */
  readonly items: ShallowRef<readonly T[]>;
  /** How many entries there are, loaded or not. */
  readonly total: ShallowRef<number>;
  /** Every entry is loaded. */
  readonly complete: ComputedRef<boolean>;
  /** A page is on its way. */
  readonly loading: ShallowRef<boolean>;
  /** Why the last later page failed ('' when none did); no more pages are asked for until `retry`. */
  readonly error: ShallowRef<string>;
  /**
   * Starts over with the first page (with `fetch`, from another source from now on). Resolves with
   * that page; rejects with its error, or with an AbortError when a newer load replaced this one.
   */
  load(fetch?: PageFetcher<T, P>): Promise<P>;
  /** Loads pages until at least `count` entries are loaded (or all are). */
  ensure(count: number): Promise<void>;
  loadAll(): Promise<void>;
  /** Asks again for the page that failed, and what was wanted after it. */
  retry(): Promise<void>;
  /** Changes the fields of one loaded entry. */
  patch(id: string, changes: Partial<T>): void;
  /** Drops loaded entries (and counts them out of `total`). */
  remove(ids: readonly string[]): void;
  /** Forgets everything and stops what is on its way. */
  clear(): void;
}

const FIRST_PAGE = 500;
/**
 * Later pages are small enough that none holds the server for long: it answers one request at a
 * time, and a 10,000-entry page kept whatever the user did next waiting three times as long as a
 * 2,000-entry one.
 */
const PAGE_SIZE = 2_000;

/** Loads the list `fetch` gives, a page at a time; `load()` starts it. */
export function usePagedItems<T extends { id: string }, P extends Page<T> = Page<T>>(
  fetch: PageFetcher<T, P>,
  options: PagedOptions = {},
): Raw<PagedItems<T, P>> {
  const firstPage = options.firstPage ?? FIRST_PAGE;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const items = shallowRef<readonly T[]>([]);
  const total = shallowRef(0);
  const loading = shallowRef(false);
  const error = shallowRef('');
  const complete = computed(() => items.value.length >= total.value);

  let fetcher = fetch;
  /** The current load; a newer one aborts it, and everything it still had on its way. */
  let controller: AbortController | null = null;
  /** How many entries someone asked for since the last load. */
  let wanted = 0;
  let pumping: Promise<void> | null = null;

  async function load(next?: PageFetcher<T, P>): Promise<P> {
    if (next) fetcher = next;
    controller?.abort();
    const current = new AbortController();
    controller = current;
    pumping = null;
    wanted = 0;
    error.value = '';
    loading.value = true;
    try {
      const first = await fetcher(0, firstPage, current.signal);
      current.signal.throwIfAborted();
      items.value = first.items;
      total.value = first.total;
      return first;
    } finally {
      if (controller === current) loading.value = false;
    }
  }

  const missing = () => items.value.length < Math.min(wanted, total.value);

  async function pump(current: AbortController): Promise<void> {
    loading.value = true;
    try {
      while (!current.signal.aborted && missing()) {
        const page = await fetcher(items.value.length, pageSize, current.signal);
        if (current.signal.aborted) return;
        // Paging by offset: an entry added meanwhile may show up twice, so known ids are skipped.
        const known = new Set(items.value.map((item) => item.id));
        const fresh = page.items.filter((item) => !known.has(item.id));
        items.value = items.value.concat(fresh);
        total.value = page.total;
        // Nothing new where more was promised: the list shrank meanwhile, so what is here is all.
        if (fresh.length === 0) total.value = items.value.length;
      }
    } catch (err) {
      if (!current.signal.aborted) error.value = errorMessage(err);
    } finally {
      if (controller === current) {
        pumping = null;
        loading.value = false;
      }
    }
  }

  function ensure(count: number): Promise<void> {
    wanted = Math.max(wanted, count);
    if (!pumping && controller && !error.value && missing()) pumping = pump(controller);
    return pumping ?? Promise.resolve();
  }

  function retry(): Promise<void> {
    error.value = '';
    return ensure(wanted);
  }

  function patch(id: string, changes: Partial<T>): void {
    const index = items.value.findIndex((item) => item.id === id);
    if (index === -1) return;
    items.value = items.value.with(index, { ...items.value[index]!, ...changes });
  }

  function remove(ids: readonly string[]): void {
    const gone = new Set(ids);
    const kept = items.value.filter((item) => !gone.has(item.id));
    total.value -= items.value.length - kept.length;
    items.value = kept;
  }

  function clear(): void {
    controller?.abort();
    controller = null;
    pumping = null;
    wanted = 0;
    items.value = [];
    total.value = 0;
    loading.value = false;
    error.value = '';
  }

  // Handed to components and kept in stores as it is: its refs must not be unwrapped on the way.
  return markRaw({
    items,
    total,
    complete,
    loading,
    error,
    load,
    ensure,
    loadAll: () => ensure(Infinity),
    retry,
    patch,
    remove,
    clear,
  });
}
