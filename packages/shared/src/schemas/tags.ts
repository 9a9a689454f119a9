import { z } from 'zod';
import { id, timestamp } from './common.js';

/** Longest tag name, in characters. */
export const TAG_NAME_MAX = 64;
/** Most tags one request may add or remove, and most items it may touch. */
export const TAG_CHANGE_MAX_TAGS = 100;
export const TAG_CHANGE_MAX_ITEMS = 1_000;
/** The colour a tag gets when none is given. */
export const TAG_DEFAULT_COLOR = '#64748b';

// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** A tag's name: NFC, trimmed, 1–64 characters, no control characters. Unique per user, ignoring case. */
export const tagName = z
  .string()
  .transform((raw) => raw.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'Tag name must not be empty')
      .max(TAG_NAME_MAX, `Tag name must be at most ${TAG_NAME_MAX} characters`)
      .refine((name) => !CONTROL_CHARS.test(name), 'Tag name must not contain control characters'),
  );

/** `#rrggbb`, stored and returned in lower case. */
export const tagColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'Colour must be #rrggbb (hex)')
  .transform((c) => c.toLowerCase());

/** How a tag appears on an item (in its details and in search results). */
export const tagSummary = z.object({ id, name: z.string(), color: z.string() });
export type TagSummary = z.infer<typeof tagSummary>;

export const tag = tagSummary.extend({
  /** How many live (not trashed) files and folders carry the tag. */
  items: z.number().int(),
  createdAt: timestamp,
});
export type Tag = z.infer<typeof tag>;

export const tagList = z.object({ tags: z.array(tag) });
export type TagList = z.infer<typeof tagList>;

export const createTagBody = z.object({ name: tagName, color: tagColor.optional() });
export type CreateTagBody = z.infer<typeof createTagBody>;

export const updateTagBody = z
  .object({ name: tagName.optional(), color: tagColor.optional() })
  .refine((b) => b.name !== undefined || b.color !== undefined, 'Give a new name, a new colour, or both');
export type UpdateTagBody = z.infer<typeof updateTagBody>;

/** Tags and untags many files and folders at once: every tag in `add` and none in `remove`. */
export const changeItemTagsBody = z
  .object({
    ids: z.array(id).min(1).max(TAG_CHANGE_MAX_ITEMS),
    add: z.array(id).max(TAG_CHANGE_MAX_TAGS).default([]),
    remove: z.array(id).max(TAG_CHANGE_MAX_TAGS).default([]),
  })
  .refine((b) => b.add.length + b.remove.length > 0, 'Give tags to add, to remove, or both')
  .refine((b) => !b.add.some((t) => b.remove.includes(t)), 'A tag cannot be both added and removed');
export type ChangeItemTagsBody = z.infer<typeof changeItemTagsBody>;
