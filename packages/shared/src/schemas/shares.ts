import { z } from 'zod';
import { id, timestamp } from './common.js';
import { item, listQuery, pathEntry } from './items.js';

/** `read`: visitors browse and download. `upload`: a file request, visitors drop files in and see nothing. */
export const shareMode = z.enum(['read', 'upload']);
export type ShareMode = z.infer<typeof shareMode>;

const sharePassword = z.string().min(4, 'A share password needs at least 4 characters').max(1024);
const maxDownloads = z.number().int().min(1).max(1_000_000);

export const createShareBody = z.object({
  itemId: id,
  mode: shareMode.default('read'),
  password: sharePassword.optional(),
  expiresAt: timestamp.optional(),
  maxDownloads: maxDownloads.optional(),
});
export type CreateShareBody = z.infer<typeof createShareBody>;

/** Fields to change; `null` removes a password, an expiry or a limit. */
export const updateShareBody = z
  .object({
    password: sharePassword.nullable(),
    expiresAt: timestamp.nullable(),
    maxDownloads: maxDownloads.nullable(),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'Nothing to change');
export type UpdateShareBody = z.infer<typeof updateShareBody>;

export const share = z.object({
  id,
  token: z.string(),
  /** The visitor's page in the web app: absolute when the drive knows its public address, else a path. */
  url: z.string(),
  itemId: id,
  itemName: z.string(),
  itemType: z.enum(['folder', 'file']),
  mode: shareMode,
  hasPassword: z.boolean(),
  expiresAt: timestamp.nullable(),
  maxDownloads: z.number().int().nullable(),
  downloads: z.number().int(),
  revokedAt: timestamp.nullable(),
  /**
   * The owner lost a permission the link needs (sharing, or uploading for a file request), or the
   * account is disabled: the link does not open until it is given back, and can still be revoked.
   */
  suspended: z.boolean(),
  createdAt: timestamp,
});
export type Share = z.infer<typeof share>;

export const shareList = z.object({ shares: z.array(share) });
export const shareListQuery = z.object({ itemId: id.optional() });

export const shareVisit = z.object({
  at: timestamp,
  action: z.enum(['open', 'download', 'zip', 'upload']),
  itemId: id.nullable(),
  itemName: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export const shareVisits = z.object({ visits: z.array(shareVisit), total: z.number().int() });
export const visitsQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

// What visitors see.
export const shareTokenParams = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'Not a share link'),
});
export const shareFileParams = shareTokenParams.extend({ fileId: id });

/**
 * The link's public face: enough to show the visitor's page. Behind a password it says only that a
 * password is needed (`name` and `type` are null until it is given), so a link that leaks tells
 * nothing of what it shares.
 */
export const publicShare = z.object({
  name: z.string().nullable(),
  type: z.enum(['folder', 'file']).nullable(),
  mode: shareMode,
  needsPassword: z.boolean(),
  expiresAt: timestamp.nullable(),
  /** The shared item itself, once the visitor may see it (no password, or the right one given). */
  item: item.nullable(),
});
export type PublicShare = z.infer<typeof publicShare>;

/** A folder of a read link as a zip: the shared folder itself when `folder` is absent. */
export const shareZipQuery = z.object({ folder: id.optional() });

/** The visitor's live events: `since` as on /events, and the access token for a link with a password. */
export const shareEventsQuery = z.object({
  since: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  access: z.string().min(1).max(200).optional(),
});

export const shareAccessBody = z.object({ password: z.string().min(1).max(1024) });
export const shareAccessResponse = z.object({ accessToken: z.string(), expiresAt: timestamp });

/** A folder inside a shared folder; the shared folder itself when `folder` is absent. */
export const shareListQueryVisitor = listQuery.extend({ folder: id.optional() });
export const shareListing = z.object({
  folder: item,
  /** From the shared folder down: a visitor never learns what lies above it. */
  path: z.array(pathEntry),
  items: z.array(item),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type ShareListing = z.infer<typeof shareListing>;
