import type { LightMyRequestResponse } from 'fastify';
import type { PollDeviceSignInResponse, StartDeviceSignInResponse } from '@idrive/shared';
import { bearer, type TestApp } from './test-app.js';

export const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

/** A phone waiting to be signed in: what it was told, and how it asks. */
export interface WaitingPhone extends StartDeviceSignInResponse {
  /** The pairing code, as the QR code's URL carries it. */
  code: string;
  poll(on?: TestApp): Promise<LightMyRequestResponse>;
}

/** Starts a device sign-in on `t` from `address`, as a phone's browser does. */
export async function startPhone(t: TestApp, address: string): Promise<WaitingPhone> {
  const res = await t.drive.app.inject({
    method: 'POST',
    url: '/api/v1/auth/device-sign-in',
    remoteAddress: address,
    headers: { 'user-agent': PHONE_UA },
  });
  if (res.statusCode !== 201) throw new Error(`start failed: ${res.statusCode} ${res.body}`);
  const started = res.json<StartDeviceSignInResponse>();
  return {
    ...started,
    code: new URL(started.url, 'http://drive').hash.slice(1),
    poll: (on = t) => pollAs(on, started.deviceSecret, address),
  };
}

/** Polls with a device secret, from `address`. */
export function pollAs(t: TestApp, deviceSecret: string, address = '203.0.113.200') {
  return t.drive.app.inject({
    method: 'POST',
    url: '/api/v1/auth/device-sign-in/poll',
    remoteAddress: address,
    headers: { 'user-agent': PHONE_UA },
    payload: { deviceSecret },
  });
}

/** A signed-in user's call on the pairing `code`: `lookup`, `approve` or `deny`. */
export function decide(t: TestApp, token: string, step: 'lookup' | 'approve' | 'deny', code: string) {
  return t.drive.app.inject({
    method: 'POST',
    url: `/api/v1/auth/device-sign-in/${step}`,
    headers: bearer(token),
    payload: { code },
  });
}

export function pollBody(res: LightMyRequestResponse): PollDeviceSignInResponse {
  return res.json<PollDeviceSignInResponse>();
}
