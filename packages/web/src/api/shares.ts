import type { CreateShareBody, Share, UpdateShareBody } from '@idrive/shared';
import { http } from './http';

/** One visit of a link, as the owner sees it. */
export interface ShareVisit {
  at: string;
  action: 'open' | 'download' | 'zip' | 'upload';
  itemId: string | null;
  itemName: string | null;
  ip: string | null;
  userAgent: string | null;
}

const path = (id: string) => `/shares/${encodeURIComponent(id)}`;

/** The user's links, or only those of one item. */
export async function listShares(itemId?: string): Promise<Share[]> {
  return (await http.get<{ shares: Share[] }>('/shares', { query: { itemId } })).shares;
}

export function createShare(body: CreateShareBody): Promise<Share> {
  return http.post<Share>('/shares', body);
}

export function updateShare(id: string, body: UpdateShareBody): Promise<Share> {
  return http.patch<Share>(path(id), body);
}

export async function revokeShare(id: string): Promise<void> {
  await http.delete<unknown>(path(id));
}

export function shareVisits(
  id: string,
  offset = 0,
  limit = 100,
): Promise<{ visits: ShareVisit[]; total: number }> {
  return http.get(`${path(id)}/visits`, { query: { offset, limit } });
}

/** The absolute address a visitor opens (the API gives the path). */
export function shareAddress(share: Share): string {
  return new URL(share.url, window.location.origin).href;
}
