import { z } from 'zod';
import { timestamp } from './common.js';
import { user } from './users.js';

/**
 * Signing in a device (a phone) through one that is signed in: the new device shows a QR code and a
 * short code; the signed-in one opens the first or types the second and approves.
 */

/** What the waiting device is given; only it ever sees the device secret. */
export const startDeviceSignInResponse = z.object({
  /** The page that approves this sign-in, with the pairing code in its fragment (the QR code's content). */
  url: z.string(),
  /** The same request in a form a person can type (see normaliseShortCode). */
  shortCode: z.string(),
  /** Sent back on every poll: the pairing code alone cannot collect the session. */
  deviceSecret: z.string(),
  expiresAt: timestamp,
});
export type StartDeviceSignInResponse = z.infer<typeof startDeviceSignInResponse>;

export const pollDeviceSignInBody = z.object({ deviceSecret: z.string().min(1).max(200) });
export type PollDeviceSignInBody = z.infer<typeof pollDeviceSignInBody>;

/** `approved` comes once: that answer signs the device in (its own session cookie) and ends the pairing. */
export const pollDeviceSignInResponse = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), expiresAt: timestamp }),
  z.object({ status: z.literal('denied') }),
  z.object({ status: z.literal('expired') }),
  z.object({ status: z.literal('approved'), csrfToken: z.string(), user }),
]);
export type PollDeviceSignInResponse = z.infer<typeof pollDeviceSignInResponse>;

/** The pairing code from the URL, or the short code as typed. */
export const deviceSignInCodeBody = z.object({ code: z.string().trim().min(1).max(200) });
export type DeviceSignInCodeBody = z.infer<typeof deviceSignInCodeBody>;

/** What the approving user is shown of the device that asks. */
export const deviceSignInRequest = z.object({
  /** Derived from the user agent ("Chrome on Android"). */
  deviceName: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: timestamp,
  expiresAt: timestamp,
});
export type DeviceSignInRequest = z.infer<typeof deviceSignInRequest>;
