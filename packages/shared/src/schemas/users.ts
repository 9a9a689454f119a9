import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../limits.js';
import { id, timestamp } from './common.js';
import { quotaBytes } from './quotas.js';

export const permissions = ['upload', 'delete', 'share', 'admin'] as const;
export const permission = z.enum(permissions);
export type Permission = z.infer<typeof permission>;

export const username = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1, 'Username must not be empty')
  .max(64, 'Username must be at most 64 characters')
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'Username may contain letters, digits, ".", "_", "@" and "-"');

export const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Password must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const user = z.object({
  id,
  username: z.string(),
  permissions: z.array(permission),
  disabled: z.boolean(),
  rootFolderId: id,
  usedBytes: z.number().int(),
  /** Null: no limit. */
  quotaBytes: z.number().int().nullable(),
  createdAt: timestamp,
});
export type User = z.infer<typeof user>;

export const userList = z.object({ users: z.array(user) });
export type UserList = z.infer<typeof userList>;

export const createUserBody = z.object({
  username,
  password,
  permissions: z.array(permission).default(['upload', 'delete', 'share']),
  /** Left out: the drive's default quota for new accounts. */
  quotaBytes: quotaBytes.optional(),
});
export type CreateUserBody = z.infer<typeof createUserBody>;

export const updateUserBody = z
  .object({
    disabled: z.boolean().optional(),
    permissions: z.array(permission).optional(),
    password: password.optional(),
    quotaBytes: quotaBytes.optional(),
  })
  .refine(
    (b) => Object.keys(b).length > 0,
    'Give at least one of disabled, permissions, password, quotaBytes',
  );
export type UpdateUserBody = z.infer<typeof updateUserBody>;
