import type { FileInfo, Item, ItemDetails, ItemList } from '@idrive/shared';
import { http } from './http';

const itemPath = (id: string) => `/items/${encodeURIComponent(id)}`;

/** Details of one item: its path from the root, SHA-256 of a file, its tags. */
export function getItem(id: string, signal?: AbortSignal): Promise<ItemDetails> {
  return http.get<ItemDetails>(itemPath(id), { signal });
}

/** A file's details plus where its bytes are stored and, for images and videos, media facts. */
export function getFileInfo(id: string, signal?: AbortSignal): Promise<FileInfo> {
  return http.get<FileInfo>(`/files/${encodeURIComponent(id)}/info`, { signal });
}

export function renameItem(id: string, name: string): Promise<Item> {
  return http.patch<Item>(itemPath(id), { name });
}

export function moveItem(id: string, parentId: string): Promise<Item> {
  return http.patch<Item>(itemPath(id), { parentId });
}

export async function copyItems(ids: string[], parentId: string): Promise<Item[]> {
  return (await http.post<ItemList>('/items/copy', { ids, parentId })).items;
}

export async function trashItems(ids: string[]): Promise<void> {
  await http.post('/items/trash', { ids });
}
