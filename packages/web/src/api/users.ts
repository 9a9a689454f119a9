import type { CreateUserBody, Share, UpdateUserBody, User, UserList } from '@idrive/shared';
import { http } from './http';

const path = (id: string) => `/users/${encodeURIComponent(id)}`;

export async function listUsers(): Promise<User[]> {
  return (await http.get<UserList>('/users')).users;
}

export function createUser(body: CreateUserBody): Promise<User> {
  return http.post<User>('/users', body);
}

export function updateUser(id: string, body: UpdateUserBody): Promise<User> {
  return http.patch<User>(path(id), body);
}

/** Removes the user and everything they own. */
export async function deleteUser(id: string): Promise<void> {
  await http.delete<unknown>(path(id));
}

/** Every link a user made, for an admin. */
export async function listUserShares(id: string): Promise<Share[]> {
  return (await http.get<{ shares: Share[] }>(`${path(id)}/shares`)).shares;
}

export async function revokeUserShare(id: string, shareId: string): Promise<void> {
  await http.delete<unknown>(`${path(id)}/shares/${encodeURIComponent(shareId)}`);
}
