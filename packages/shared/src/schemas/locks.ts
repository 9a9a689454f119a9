import { z } from 'zod';
import { timestamp } from './common.js';
import { password } from './users.js';

/** Locking a folder, unlocking it, or removing its lock: the folder's password. */
export const lockPasswordBody = z.object({ password: z.string().min(1).max(1024) });
export type LockPasswordBody = z.infer<typeof lockPasswordBody>;

/** A new lock takes a password as strong as an account's. */
export const createLockBody = z.object({ password });
export type CreateLockBody = z.infer<typeof createLockBody>;

export const changeLockBody = z.object({ password: z.string().min(1).max(1024), newPassword: password });
export type ChangeLockBody = z.infer<typeof changeLockBody>;

/** The folder is open for this session until `expiresAt`. */
export const unlockResponse = z.object({ folderId: z.uuid(), expiresAt: timestamp });
export type UnlockResponse = z.infer<typeof unlockResponse>;
