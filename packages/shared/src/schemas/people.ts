import { z } from 'zod';
import { id } from './common.js';

/** Another user of the drive as sharing shows them: an id and a username, nothing more. */
export const userRef = z.object({ id, username: z.string() });
export type UserRef = z.infer<typeof userRef>;

/**
 * What a user may do with an item another user shared with them, and with everything inside it:
 * a `viewer` reads, previews and downloads; an `editor` also uploads, makes folders, renames, moves
 * within the shared item and puts things in the trash.
 */
export const shareRoles = ['viewer', 'editor'] as const;
export const shareRole = z.enum(shareRoles);
export type ShareRole = z.infer<typeof shareRole>;

/** On an item that is not the signed-in user's own: whose it is, and what they may do with it. */
export const sharedMark = z.object({ owner: userRef, role: shareRole });
export type SharedMark = z.infer<typeof sharedMark>;
