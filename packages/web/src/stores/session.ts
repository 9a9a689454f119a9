import { reactive, readonly } from 'vue';
import type { User } from '@idrive/shared';
import * as auth from '../api/auth';
import { setUnauthorizedHandler } from '../api/http';

/** 'loading' until the first /auth/me answers. */
export type SessionStatus = 'loading' | 'signed-out' | 'signed-in';

interface SessionState {
  status: SessionStatus;
  user: User | null;
  /** Set when the session could not be checked at all (server down, …). */
  error: string | null;
}

const state = reactive<SessionState>({ status: 'loading', user: null, error: null });

function signedOut(): void {
  state.status = 'signed-out';
  state.user = null;
}

// A 401 from any call means the session is gone (expired, revoked): go back to the sign-in form.
setUnauthorizedHandler(signedOut);

export const session = readonly(state);

export async function loadSession(): Promise<void> {
  state.error = null;
  try {
    const current = await auth.me();
    if (current) {
      state.user = current.user;
      state.status = 'signed-in';
    } else {
      signedOut();
    }
  } catch (err) {
    signedOut();
    state.error = err instanceof Error ? err.message : 'Could not check your session.';
  }
}

/** Rejects with ApiError (401 bad credentials, 429 throttled, …) for the form to show. */
export async function signIn(username: string, password: string): Promise<void> {
  signedIn((await auth.login({ username, password })).user);
}

/** Takes up a session opened another way (a device sign-in another device approved). */
export function signedIn(user: User): void {
  state.error = null;
  state.user = user;
  state.status = 'signed-in';
}

/** Stays signed in (and rejects) if the server could not end the session, e.g. when offline. */
export async function signOut(): Promise<void> {
  await auth.logout();
  signedOut();
}
