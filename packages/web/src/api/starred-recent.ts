import type { RecentListing, StarredListing } from '@idrive/shared';
import { http } from './http';

export async function starItems(ids: string[]): Promise<void> {
  await http.post('/items/star', { ids });
}

export async function unstarItems(ids: string[]): Promise<void> {
  await http.post('/items/unstar', { ids });
}

/** The user's starred items, newest star first. */
export function listStarred(offset: number, limit: number, signal?: AbortSignal): Promise<StarredListing> {
  return http.get<StarredListing>('/starred', { query: { offset, limit }, signal });
}

/** The files the user opened or changed lately, newest first. */
export function listRecent(offset: number, limit: number, signal?: AbortSignal): Promise<RecentListing> {
  return http.get<RecentListing>('/recent', { query: { offset, limit }, signal });
}
