import type {
  DeviceSignInRequest,
  PollDeviceSignInResponse,
  StartDeviceSignInResponse,
} from '@idrive/shared';
import { http, setCsrfToken } from './http';

/** Asks for a sign-in by another device; the answer's device secret must never be shown. */
export function startDeviceSignIn(): Promise<StartDeviceSignInResponse> {
  return http.post<StartDeviceSignInResponse>('/auth/device-sign-in');
}

/** Once approved, the answer has signed this browser in (the cookie is set) and is not given again. */
export async function pollDeviceSignIn(deviceSecret: string): Promise<PollDeviceSignInResponse> {
  const result = await http.post<PollDeviceSignInResponse>('/auth/device-sign-in/poll', { deviceSecret });
  if (result.status === 'approved') setCsrfToken(result.csrfToken);
  return result;
}

/** The device waiting on `code` (the pairing code of the QR code's URL, or the short code). */
export function lookUpDeviceSignIn(code: string): Promise<DeviceSignInRequest> {
  return http.post<DeviceSignInRequest>('/auth/device-sign-in/lookup', { code });
}

export async function decideDeviceSignIn(code: string, approve: boolean): Promise<void> {
  await http.post<unknown>(`/auth/device-sign-in/${approve ? 'approve' : 'deny'}`, { code });
}
