import { z } from 'zod';
import { id, timestamp } from './common.js';
import { shareRole, userRef } from './people.js';
import { searchResult } from './search.js';

/** One user an item is shared with, as its owner sees it. */
export const accessEntry = z.object({
  user: userRef,
  role: shareRole,
  /** Who shared it (the owner; null when that account is gone). */
  grantedBy: userRef.nullable(),
  grantedAt: timestamp,
});
export type AccessEntry = z.infer<typeof accessEntry>;

/** Who has access to an item: its owner, and the users it is shared with (by username). */
export const accessList = z.object({
  itemId: id,
  owner: userRef,
  entries: z.array(accessEntry),
});
export type AccessList = z.infer<typeof accessList>;

/** `PUT /items/{id}/access`: shares the item with a user, or changes their role. */
export const grantAccessBody = z.object({ userId: id, role: shareRole });
export type GrantAccessBody = z.infer<typeof grantAccessBody>;

/** `DELETE /items/{id}/access`: ends a user's access. */
export const revokeAccessBody = z.object({ userId: id });
export type RevokeAccessBody = z.infer<typeof revokeAccessBody>;

/** An item shared with the signed-in user (`shared` says whose and as what), and since when. */
export const sharedWithMeItem = searchResult.extend({ sharedAt: timestamp });
export type SharedWithMeItem = z.infer<typeof sharedWithMeItem>;

/** What is shared with the user, newest share first; `total` counts every one listed. */
export const sharedWithMeListing = z.object({
  items: z.array(sharedWithMeItem),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type SharedWithMeListing = z.infer<typeof sharedWithMeListing>;

/** Most users one lookup answers with. */
export const USER_LOOKUP_LIMIT = 10;

/** `GET /users/lookup?q=`: active users whose username contains `q`, for choosing whom to share with. */
export const userLookupQuery = z.object({
  q: z.string().trim().min(1, 'Type part of a username').max(64),
  limit: z.coerce.number().int().min(1).max(USER_LOOKUP_LIMIT).default(USER_LOOKUP_LIMIT),
});
export type UserLookupQuery = z.infer<typeof userLookupQuery>;

export const userLookup = z.object({ users: z.array(userRef) });
export type UserLookup = z.infer<typeof userLookup>;
