import type { ListQuery, Listing } from '@idrive/shared';
import { http } from './http';

/** Same as the server's default page (LIST_LIMIT_DEFAULT); kept local so no runtime code from shared is bundled. */
const DEFAULT_LIMIT = 1000;

export type ListOptions = Partial<ListQuery> & { signal?: AbortSignal };

function query(options: ListOptions): ListQuery {
  return {
    sort: options.sort ?? 'name',
    order: options.order ?? 'asc',
    offset: options.offset ?? 0,
    limit: options.limit ?? DEFAULT_LIMIT,
  };
}

/** The signed-in user's root folder and its children. */
export function getRoot(options: ListOptions = {}): Promise<Listing> {
  return http.get<Listing>('/folders/root', { query: { ...query(options) }, signal: options.signal });
}

export function getChildren(id: string, options: ListOptions = {}): Promise<Listing> {
  return http.get<Listing>(`/folders/${encodeURIComponent(id)}/children`, {
    query: { ...query(options) },
    signal: options.signal,
  });
}

/** A folder's listing; `null` means the root. */
export function getListing(id: string | null, options: ListOptions = {}): Promise<Listing> {
  return id === null ? getRoot(options) : getChildren(id, options);
}
