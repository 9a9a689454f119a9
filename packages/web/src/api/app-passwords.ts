import type {
  AppPassword,
  AppPasswordList,
  CreateAppPasswordBody,
  CreateAppPasswordResponse,
} from '@idrive/shared';
import { http } from './http';

/** The user's app passwords (for WebDAV and the idrive command line), newest first. */
export async function listAppPasswords(): Promise<AppPassword[]> {
  return (await http.get<AppPasswordList>('/account/app-passwords')).appPasswords;
}

/** The answer carries the secret, which the server does not keep: show it now or never. */
export function createAppPassword(body: CreateAppPasswordBody): Promise<CreateAppPasswordResponse> {
  return http.post<CreateAppPasswordResponse>('/account/app-passwords', body);
}

export async function revokeAppPassword(id: string): Promise<void> {
  await http.delete<unknown>(`/account/app-passwords/${encodeURIComponent(id)}`);
}
