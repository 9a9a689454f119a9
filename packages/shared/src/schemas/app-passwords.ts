import { z } from 'zod';
import { id, timestamp } from './common.js';

/** Every app password starts with this, so secret scanners can recognise a leaked one. */
export const APP_PASSWORD_PREFIX = 'idrive_ap_';

/** A named secret for WebDAV and the command line; revocable on its own, optionally read-only. */
export const appPassword = z.object({
  id,
  name: z.string(),
  readOnly: z.boolean(),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
});
export type AppPassword = z.infer<typeof appPassword>;

export const appPasswordList = z.object({ appPasswords: z.array(appPassword) });
export type AppPasswordList = z.infer<typeof appPasswordList>;

export const createAppPasswordBody = z.object({
  name: z.string().trim().min(1).max(100),
  readOnly: z.boolean().default(false),
});
export type CreateAppPasswordBody = z.input<typeof createAppPasswordBody>;

/** The secret is in this answer only: the server keeps its hash. */
export const createAppPasswordResponse = z.object({ secret: z.string(), appPassword });
export type CreateAppPasswordResponse = z.infer<typeof createAppPasswordResponse>;
