import { z } from 'zod';
import { fileKinds } from '../file-kind.js';
import { id } from './common.js';
import { itemType, pathEntry, userItem } from './items.js';
import { tagSummary } from './tags.js';

export const SEARCH_LIMIT_MAX = 1_000;
export const SEARCH_LIMIT_DEFAULT = 100;
/** Longest search text, in characters. */
export const SEARCH_QUERY_MAX = 255;

export const searchSortKeys = ['name', 'size', 'updated'] as const;

/**
 * A list in a query string, given as repeated keys (`ext=a&ext=b`), comma-separated (`ext=a,b`), or
 * both; an empty list is no filter.
 */
function listParam<T extends z.ZodType>(entry: T, max: number) {
  return z.preprocess((value) => {
    if (value === undefined) return undefined;
    const list = [value]
      .flat()
      .flatMap((v) => String(v).split(','))
      .map((v) => v.trim())
      .filter((v) => v.length > 0);
    return list.length > 0 ? list : undefined;
  }, z.array(entry).max(max).optional());
}

/** An ISO 8601 date-time (with a zone) or a date (midnight UTC), as epoch milliseconds. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((s) => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s));

/** An extension without its dot, any case: `pdf`, `tar.gz`. */
const extension = z
  .string()
  .transform((e) => e.replace(/^\.+/, ''))
  .pipe(z.string().regex(/^[\p{L}\p{N}_.+-]{1,32}$/u, 'An extension is 1–32 letters, digits or _ . + -'));

export const searchQuery = z
  .object({
    /** Part of the name, matched ignoring case and accents (`zolc` finds `Żółć`); blank means any name. */
    q: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
      z.string().trim().max(SEARCH_QUERY_MAX).optional(),
    ),
    type: itemType.optional(),
    /** Files of any of these kinds (from the MIME type). */
    kind: listParam(z.enum(fileKinds), fileKinds.length),
    /** Files with any of these extensions. */
    ext: listParam(extension, 50),
    /** Bytes, inclusive. A folder's size is the total of the files below it. */
    minSize: z.coerce.number().int().min(0).optional(),
    maxSize: z.coerce.number().int().min(0).optional(),
    /** Last modified at or after this instant. */
    modifiedFrom: instant.optional(),
    /** Last modified before this instant. */
    modifiedBefore: instant.optional(),
    /** Items carrying every one of these tags. */
    tags: listParam(id, 20),
    /** Only inside this folder (its whole subtree). */
    in: id.optional(),
    sort: z.enum(searchSortKeys).default('name'),
    order: z.enum(['asc', 'desc']).default('asc'),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(SEARCH_LIMIT_MAX).default(SEARCH_LIMIT_DEFAULT),
  })
  .refine((q) => q.minSize === undefined || q.maxSize === undefined || q.minSize <= q.maxSize, {
    message: 'minSize must not be larger than maxSize',
    path: ['minSize'],
  })
  .refine(
    (q) =>
      q.modifiedFrom === undefined || q.modifiedBefore === undefined || q.modifiedFrom < q.modifiedBefore,
    { message: 'modifiedFrom must be before modifiedBefore', path: ['modifiedFrom'] },
  )
  .refine((q) => q.type !== 'folder' || (q.kind === undefined && q.ext === undefined), {
    message: 'kind and ext select files; they cannot be combined with type=folder',
    path: ['type'],
  });
export type SearchQuery = z.infer<typeof searchQuery>;

export const searchResult = userItem.extend({
  /**
   * From the root down to the folder the item is in, for "open the containing folder"; for an item
   * shared with the user, from the shared item down (empty for the shared item itself).
   */
  parentPath: z.array(pathEntry),
  tags: z.array(tagSummary),
});
export type SearchResult = z.infer<typeof searchResult>;

/** Results in the order asked for (ties by name, then id), `total` counting every match. */
export const searchResponse = z.object({
  items: z.array(searchResult),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type SearchResponse = z.infer<typeof searchResponse>;
