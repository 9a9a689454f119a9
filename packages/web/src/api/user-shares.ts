import type { AccessList, SharedWithMeListing, ShareRole, UserLookup, UserRef } from '@idrive/shared';
import { http } from './http';

const path = (itemId: string) => `/items/${encodeURIComponent(itemId)}/access`;

/** Who has access to one of the user's items (only its owner may ask). */
export function getAccess(itemId: string): Promise<AccessList> {
  return http.get<AccessList>(path(itemId));
}

/** Shares the item with a user, or changes their role; answers the new list. */
export function grantAccess(itemId: string, userId: string, role: ShareRole): Promise<AccessList> {
  return http.put<AccessList>(path(itemId), { userId, role });
}

/** Ends a user's access to the item; answers the new list. */
export function revokeAccess(itemId: string, userId: string): Promise<AccessList> {
  return http.delete<AccessList>(path(itemId), { body: { userId } });
}

/** What other users share with the signed-in user, newest share first. */
export function listSharedWithMe(
  offset: number,
  limit: number,
  signal?: AbortSignal,
): Promise<SharedWithMeListing> {
  return http.get<SharedWithMeListing>('/shared-with-me', { query: { offset, limit }, signal });
}

/** Active users whose username contains `text` (at most ten). */
export async function lookUpUsers(text: string, signal?: AbortSignal): Promise<UserRef[]> {
  return (await http.get<UserLookup>('/users/lookup', { query: { q: text }, signal })).users;
}
