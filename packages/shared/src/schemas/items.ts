import { z } from 'zod';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from '../limits.js';
import { errorEnvelope } from '../errors.js';
import { id, itemName, timestamp } from './common.js';
import { mediaInfo } from './media.js';
import { sharedMark } from './people.js';
import { tagSummary } from './tags.js';

export const itemType = z.enum(['folder', 'file']);
export type ItemType = z.infer<typeof itemType>;

/** A file or a folder. Folder `size` is the total of the files below it (trash excluded). */
export const item = z.object({
  id,
  type: itemType,
  name: z.string(),
  parentId: id.nullable(),
  size: z.number().int(),
  mimeType: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  trashedAt: timestamp.nullable(),
  /** Present (true) on a folder that carries a password lock, in listings and details. */
  locked: z.literal(true).optional(),
  /**
   * Whether the signed-in user starred it. Answers about what one user sees (folder listings, details,
   * search, Starred, Recent) always say; answers others may see too (live events, share links) leave it out.
   */
  starred: z.boolean().optional(),
});
export type Item = z.infer<typeof item>;

/**
 * An item as the signed-in user sees it, with their own star, and with `shared` when it is another
 * user's that was shared with them (directly or through a folder above it).
 */
export const userItem = item.extend({ starred: z.boolean(), shared: sharedMark.optional() });
export type UserItem = z.infer<typeof userItem>;

export const pathEntry = z.object({ id, name: z.string() });
export type PathEntry = z.infer<typeof pathEntry>;

export const itemDetails = userItem.extend({
  /**
   * From the root down to the item itself; for an item shared with the user, from the folder (or
   * file) shared with them down, since nothing above it is theirs to see.
   */
  path: z.array(pathEntry),
  /** SHA-256 (hex) of a file's content; null for folders. */
  sha256: z.string().nullable(),
  /** The user's tags on the item (in `GET /items/{id}`). */
  tags: z.array(tagSummary).optional(),
});
export type ItemDetails = z.infer<typeof itemDetails>;

export const sortKeys = ['name', 'size', 'updated', 'type'] as const;
export const sortKey = z.enum(sortKeys);
export type SortKey = z.infer<typeof sortKey>;

export const listQuery = z.object({
  sort: sortKey.default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
});
export type ListQuery = z.infer<typeof listQuery>;

/** Folders come first whatever the sort, as in every file manager. */
export const listing = z.object({
  folder: itemDetails,
  items: z.array(userItem),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type Listing = z.infer<typeof listing>;

export const createFolderBody = z.object({
  parentId: id,
  name: itemName,
  /** Answer with the folder of this name when there already is one (a folder upload's "mkdir -p"). */
  reuse: z.boolean().optional(),
});
export type CreateFolderBody = z.infer<typeof createFolderBody>;

export const updateItemBody = z
  .object({ name: itemName.optional(), parentId: id.optional() })
  .refine(
    (b) => b.name !== undefined || b.parentId !== undefined,
    'Give a new name, a new parentId, or both',
  );
export type UpdateItemBody = z.infer<typeof updateItemBody>;

export const idsBody = z.object({ ids: z.array(id).min(1).max(10_000) });
export type IdsBody = z.infer<typeof idsBody>;

export const copyBody = z.object({ ids: z.array(id).min(1).max(1_000), parentId: id });
export type CopyBody = z.infer<typeof copyBody>;

export const itemList = z.object({ items: z.array(item) });
export type ItemList = z.infer<typeof itemList>;

/** A page of a list that has one order of its own (the trash, Starred, Recent). */
export const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
});
export type PageQuery = z.infer<typeof pageQuery>;
export const trashListing = z.object({ items: z.array(item), total: z.number().int() });
export type TrashListing = z.infer<typeof trashListing>;

/** What to do when an upload's name is taken in the folder. */
export const conflictPolicies = ['rename', 'replace', 'fail'] as const;
export const conflictPolicy = z.enum(conflictPolicies);
export type ConflictPolicy = z.infer<typeof conflictPolicy>;

export const uploadFileParams = z.object({ id, name: itemName });

export const batchUploadQuery = z.object({ conflict: conflictPolicy.default('fail') });
/** One file of a batch upload: the item it became, or why it did not. */
export const batchUploadResult = z.object({
  path: z.string(),
  item: item.optional(),
  error: errorEnvelope.shape.error.optional(),
});
export const batchUploadResponse = z.object({ results: z.array(batchUploadResult) });
export type BatchUploadResponse = z.infer<typeof batchUploadResponse>;
export const uploadFileQuery = z.object({
  conflict: conflictPolicy.default('fail'),
  /** Optional SHA-256 (hex) of the body; a mismatch rejects the upload and stores nothing. */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits')
    .transform((s) => s.toLowerCase())
    .optional(),
});

/** `PUT /files/{id}/content`: new bytes for an existing file, optionally checked against their SHA-256. */
export const replaceContentQuery = uploadFileQuery.pick({ sha256: true });

export const contentQuery = z.object({
  disposition: z.enum(['inline', 'attachment']).default('inline'),
});

export const storageInfo = z.object({
  /** Where the bytes are: one row per store with the chunks held there. */
  stores: z.array(z.object({ store: z.string(), chunks: z.number().int(), bytes: z.number().int() })),
  segmentSize: z.number().int(),
  chunkSize: z.number().int(),
});
export type StorageInfo = z.infer<typeof storageInfo>;

export const fileInfo = itemDetails.extend({
  storage: storageInfo.nullable(),
  /** Present for images and videos. */
  media: mediaInfo.optional(),
});
export type FileInfo = z.infer<typeof fileInfo>;
