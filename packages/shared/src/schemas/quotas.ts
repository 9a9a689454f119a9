import { z } from 'zod';

/**
 * A storage quota in bytes; null means no limit. Bounded by what a JavaScript number holds exactly,
 * since sizes are plain numbers everywhere.
 */
export const quotaBytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();
export type QuotaBytes = z.infer<typeof quotaBytes>;

/**
 * The signed-in user's storage: what counts against the quota is every file kept (the trash
 * included) and every earlier version kept; thumbnails and other derived data do not count.
 */
export const usage = z.object({
  usedBytes: z.number().int(),
  /** Null: no limit. */
  quotaBytes: z.number().int().nullable(),
  /** What may still be stored: the quota less what is used and what uploads in progress hold. */
  freeBytes: z.number().int().nullable(),
  /** Held for uploads in progress (a tus upload reserves its whole length when it starts). */
  reservedBytes: z.number().int(),
  byKind: z.object({
    /** The current content of files outside the trash. */
    files: z.number().int(),
    /** Files in the trash, with their current content (their earlier versions count as versions). */
    trash: z.number().int(),
    /** Earlier versions kept in files' histories. */
    versions: z.number().int(),
  }),
});
export type Usage = z.infer<typeof usage>;

/** What an admin sets for the whole drive. */
export const driveSettings = z.object({
  /** The quota a new account starts with; accounts that exist keep theirs. */
  defaultQuotaBytes: z.number().int().nullable(),
});
export type DriveSettings = z.infer<typeof driveSettings>;

export const driveSettingsBody = z.object({ defaultQuotaBytes: quotaBytes });
export type DriveSettingsBody = z.infer<typeof driveSettingsBody>;

/** The details of a 507 `quota_exceeded`, for a client to word the refusal itself. */
export const quotaExceededDetails = z.object({
  /** What the refused write would have added. */
  requestedBytes: z.number().int(),
  quotaBytes: z.number().int(),
  freeBytes: z.number().int(),
});
export type QuotaExceededDetails = z.infer<typeof quotaExceededDetails>;
