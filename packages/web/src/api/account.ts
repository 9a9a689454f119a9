import type { ChangePasswordBody, Session, SessionList } from '@idrive/shared';
import { http } from './http';

/** The user's signed-in browsers and API tokens; `current` marks this one. */
export async function listSessions(): Promise<Session[]> {
  return (await http.get<SessionList>('/auth/sessions')).sessions;
}

export async function revokeSession(id: string): Promise<void> {
  await http.delete<unknown>(`/auth/sessions/${encodeURIComponent(id)}`);
}

/** Rejects 403 when the current password is wrong. Every other session ends. */
export async function changePassword(body: ChangePasswordBody): Promise<void> {
  await http.post<unknown>('/auth/password', body);
}
