import { z } from 'zod';
import { id, timestamp } from './common.js';
import { contentQuery } from './items.js';

/**
 * Items one zip download may name; a folder counts as one, whatever it holds. The ids travel in the
 * URL, which must stay under Node's 16 KiB limit for a request's head.
 */
export const ZIP_SELECTION_MAX = 300;

/** `GET /zip?ids=a,b,c`: the user's items to put at the top level of one archive. */
export const zipQuery = z.object({
  ids: z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(
      z
        .array(id)
        .min(1, 'Give at least one id')
        .max(ZIP_SELECTION_MAX, `At most ${ZIP_SELECTION_MAX} ids per archive`),
    ),
});
export type ZipQuery = z.infer<typeof zipQuery>;

/**
 * Entries the archive viewer lists per page, by default and at most. A page is built and sent whole,
 * so its size, not the archive's, bounds what one request holds.
 */
export const ARCHIVE_PAGE_DEFAULT = 1_000;
export const ARCHIVE_PAGE_MAX = 5_000;

/** `GET /files/:id/archive`: a page of the entries, in central directory order. */
export const archiveListQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(ARCHIVE_PAGE_MAX).default(ARCHIVE_PAGE_DEFAULT),
});
export type ArchiveListQuery = z.infer<typeof archiveListQuery>;

/** Why an entry's path would be unsafe to extract, or (`overlapping`) its bytes are shared with another entry's. */
export const archiveUnsafeReasons = [
  'empty_name',
  'control_character',
  'backslash',
  'absolute_path',
  'drive_letter',
  'parent_reference',
  'overlapping',
] as const;
export type ArchiveUnsafeReason = (typeof archiveUnsafeReasons)[number];

/** One entry of a zip archive stored in the drive, as its central directory describes it. */
export const archiveEntry = z.object({
  /** Position in the central directory: names an entry even when paths repeat. */
  index: z.number().int(),
  path: z.string(),
  directory: z.boolean(),
  /** Bytes once extracted, as the archive declares them. */
  size: z.number().int(),
  compressedSize: z.number().int(),
  /** `other` is a method the viewer cannot extract; `methodId` is the zip method number. */
  method: z.enum(['store', 'deflate', 'other']),
  methodId: z.number().int(),
  /** Null when the archive's date is not a valid one. */
  modifiedAt: timestamp.nullable(),
  encrypted: z.boolean(),
  /** False for entries that are listed but never extracted; `unsafeReason` says why. */
  safe: z.boolean(),
  unsafeReason: z.enum(archiveUnsafeReasons).optional(),
});
export type ArchiveEntry = z.infer<typeof archiveEntry>;

export const archiveListing = z.object({
  /** The entries from `offset` on, at most the `limit` asked for. */
  entries: z.array(archiveEntry),
  /** Entries in the whole archive. */
  total: z.number().int(),
  offset: z.number().int(),
  /** True when entries follow this page (ask again from `offset + entries.length`). */
  truncated: z.boolean(),
});
export type ArchiveListing = z.infer<typeof archiveListing>;

/** One entry to extract, by its path or its index. */
export const archiveEntryQuery = contentQuery
  .extend({
    path: z.string().min(1).max(65_535).optional(),
    index: z.coerce.number().int().min(0).optional(),
  })
  .refine((q) => (q.path === undefined) !== (q.index === undefined), {
    message: 'Give either path or index',
  });
export type ArchiveEntryQuery = z.infer<typeof archiveEntryQuery>;
