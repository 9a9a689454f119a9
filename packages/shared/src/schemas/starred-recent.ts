import { z } from 'zod';
import { timestamp } from './common.js';
import { searchResult } from './search.js';

/** A starred item, where it is, and when it was starred. */
export const starredItem = searchResult.extend({ starredAt: timestamp });
export type StarredItem = z.infer<typeof starredItem>;

/** The user's starred items, newest star first; `total` counts every one listed. */
export const starredListing = z.object({
  items: z.array(starredItem),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type StarredListing = z.infer<typeof starredListing>;

/** What last happened to a file in Recent: the user read it (a preview, a download, the editor) or changed it. */
export const recentActions = ['opened', 'changed'] as const;
export const recentAction = z.enum(recentActions);
export type RecentAction = z.infer<typeof recentAction>;

/** A file the user opened or changed: its last time, and which of the two it was. */
export const recentItem = searchResult.extend({ action: recentAction, at: timestamp });
export type RecentItem = z.infer<typeof recentItem>;

/** The user's recent files, newest first, one entry per file. */
export const recentListing = z.object({
  items: z.array(recentItem),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type RecentListing = z.infer<typeof recentListing>;
