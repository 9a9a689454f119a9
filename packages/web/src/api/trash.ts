import type { Item, ItemList, TrashListing } from '@idrive/shared';
import { http } from './http';

export function listTrash(offset: number, limit: number, signal?: AbortSignal): Promise<TrashListing> {
  return http.get<TrashListing>('/trash', { query: { offset, limit }, signal });
}

/** Back where they were (or in the root when that folder is gone). */
export async function restoreItems(ids: string[]): Promise<Item[]> {
  return (await http.post<ItemList>('/trash/restore', { ids })).items;
}

export async function deleteForever(ids: string[]): Promise<void> {
  await http.post('/trash/delete', { ids });
}

export async function emptyTrash(): Promise<number> {
  return (await http.delete<{ purged: number }>('/trash')).purged;
}
