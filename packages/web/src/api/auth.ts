import type { LoginBody, LoginResponse, MeResponse } from '@idrive/shared';
import { ApiError, http, setCsrfToken } from './http';

/** The current session, or null when signed out. */
export async function me(): Promise<MeResponse | null> {
  try {
    const session = await http.get<MeResponse>('/auth/me');
    setCsrfToken(session.csrfToken);
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export async function login(body: LoginBody): Promise<LoginResponse> {
  const result = await http.post<LoginResponse>('/auth/login', body);
  setCsrfToken(result.csrfToken);
  return result;
}

export async function logout(): Promise<void> {
  try {
    await http.post<unknown>('/auth/logout');
  } catch (err) {
    // 401: the session had already ended, which is what signing out wants anyway.
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  setCsrfToken(null);
}
