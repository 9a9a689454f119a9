import { z } from 'zod';
import { contentQuery } from './items.js';
import { id, timestamp } from './common.js';

/**
 * One version of a file's content. The current one is what the file holds now; the others are what
 * it held before a save or a replacing upload, kept until the retention limits let them go.
 */
export const fileVersion = z.object({
  id,
  size: z.number().int(),
  /** When the version was stored (its upload began, or it was restored). */
  createdAt: timestamp,
  /** The account that stored it; null once that account is gone. */
  author: z.object({ id, username: z.string() }).nullable(),
  current: z.boolean(),
  /** SHA-256 (hex) of the version's bytes. */
  sha256: z.string().nullable(),
});
export type FileVersion = z.infer<typeof fileVersion>;

/** Newest first: the current version, then the earlier ones in the order they were replaced. */
export const fileVersionList = z.object({ versions: z.array(fileVersion) });
export type FileVersionList = z.infer<typeof fileVersionList>;

export const versionParams = z.object({ id, versionId: id });
export type VersionParams = z.infer<typeof versionParams>;

export const versionContentQuery = contentQuery;

/**
 * How long earlier versions are kept: for `days` after they were replaced, and at most `count`
 * versions per file, the current one included. A user's own limits may only be lower than the
 * drive's, which are also the default (null follows them).
 */
export const versionRetention = z.object({
  days: z.number().int().nullable(),
  count: z.number().int().nullable(),
  drive: z.object({ days: z.number().int(), count: z.number().int() }),
});
export type VersionRetention = z.infer<typeof versionRetention>;

export const versionRetentionBody = z.object({
  days: z.number().int().min(0).nullable(),
  count: z.number().int().min(1).nullable(),
});
export type VersionRetentionBody = z.infer<typeof versionRetentionBody>;
