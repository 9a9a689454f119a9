import type { Item } from '@idrive/shared';
import { http } from './http';

const path = (id: string) => `/folders/${encodeURIComponent(id)}`;

/** Resolves with the folder, now locked. */
export function lockFolder(id: string, password: string): Promise<Item> {
  return http.post<Item>(`${path(id)}/lock`, { password });
}

export async function changeLock(id: string, password: string, newPassword: string): Promise<void> {
  await http.patch<unknown>(`${path(id)}/lock`, { password, newPassword });
}

export async function removeLock(id: string, password: string): Promise<void> {
  await http.delete<unknown>(`${path(id)}/lock`, { body: { password } });
}

/** Opens the folder for this session. Rejects 403 on a wrong password, 429 when throttled. */
export async function unlockFolder(id: string, password: string): Promise<void> {
  await http.post<unknown>(`${path(id)}/unlock`, { password });
}
