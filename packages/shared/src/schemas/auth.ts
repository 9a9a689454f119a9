import { z } from 'zod';
import { id, timestamp } from './common.js';
import { password, user } from './users.js';

export const loginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  /** A name for the device list; defaults to one derived from the user agent. */
  deviceName: z.string().max(100).optional(),
  /**
   * True for scripts: the response then carries the session token for `Authorization: Bearer …`.
   * A browser leaves it out and rides on the HttpOnly cookie, so no script on the page can read it.
   */
  bearer: z.boolean().optional(),
});
export type LoginBody = z.infer<typeof loginBody>;

export const sessionKind = z.enum(['browser', 'token']);

export const session = z.object({
  id,
  kind: sessionKind,
  name: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: timestamp,
  lastSeenAt: timestamp,
  expiresAt: timestamp.nullable(),
  current: z.boolean(),
});
export type Session = z.infer<typeof session>;

export const loginResponse = z.object({
  /** Bearer token for `Authorization: Bearer …`, only when the login asked for one (`bearer`). */
  token: z.string().optional(),
  /** Send back as `X-CSRF-Token` on cookie-authenticated requests that change state. */
  csrfToken: z.string(),
  user,
});
export type LoginResponse = z.infer<typeof loginResponse>;

export const meResponse = z.object({ user, csrfToken: z.string(), sessionId: id });
export type MeResponse = z.infer<typeof meResponse>;

export const sessionList = z.object({ sessions: z.array(session) });
export type SessionList = z.infer<typeof sessionList>;

export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  /** Days until the token stops working; none means the server's default (IDRIVE_TOKEN_TTL_DAYS). */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenBody = z.infer<typeof createTokenBody>;

export const createTokenResponse = z.object({ token: z.string(), session });
export type CreateTokenResponse = z.infer<typeof createTokenResponse>;

export const changePasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: password,
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;
