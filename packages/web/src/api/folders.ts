import type { Item, ListQuery, Listing } from '@idrive/shared';
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

export function createFolder(parentId: string, name: string): Promise<Item> {
  return http.post<Item>('/folders', { parentId, name });
}

/** A new empty file; refuses (409) when the name is taken rather than renaming or replacing. */
export function createEmptyFile(parentId: string, name: string): Promise<Item> {
  return http.put<Item>(
    `/folders/${encodeURIComponent(parentId)}/files/${encodeURIComponent(name)}`,
    new Blob([]),
    { query: { conflict: 'fail' } },
  );
}
