import { z } from 'zod';
import { errorCodes } from '../errors.js';
import { id, timestamp } from './common.js';
import { downloadId, downloadKinds, downloadStates } from './downloads.js';
import { item } from './items.js';
import { shareRole } from './people.js';
import { storageStatus } from './storage.js';

/**
 * Live events on the `/api/v1/events` websocket. Every message carries `id`, the cursor: a client that
 * reconnects with `?since=<id of the last message it got>` is sent what it missed, or `resync` when
 * that is no longer known. Ids grow with every event this server process publishes, so they have gaps
 * (other users' events) and restart higher after a restart.
 */
const envelope = {
  id: z.number().int().nonnegative(),
  at: timestamp,
};

/**
 * Where an item is: its folder, and every folder from the root down to that folder (the item itself
 * is not included). A folder's subtree is every event whose `ancestorIds` contain it.
 */
export const eventPlace = z.object({
  parentId: id.nullable(),
  ancestorIds: z.array(id),
});
export type EventPlace = z.infer<typeof eventPlace>;

/** The item as listings present it, and where it now is. */
const itemFields = { ...envelope, item, ...eventPlace.shape };

export const itemCreatedEvent = z.object({
  type: z.literal('item.created'),
  ...itemFields,
});

/** Renamed in place, or its content replaced by an upload (`conflict=replace`). */
export const itemUpdatedEvent = z.object({
  type: z.literal('item.updated'),
  ...itemFields,
  change: z.enum(['renamed', 'content']),
});

/**
 * A file's earlier versions changed while its content did not: one was deleted, or the retention
 * limits let some go. A save, an upload over it or a restore is `item.updated` (`content`) instead.
 */
export const itemVersionsEvent = z.object({
  type: z.literal('item.versions'),
  ...itemFields,
});

/** Moved to another folder (and maybe renamed on the way); `from` is where it was. */
export const itemMovedEvent = z.object({
  type: z.literal('item.moved'),
  ...itemFields,
  from: eventPlace,
});

/** Put in the trash (a folder takes its contents along), or deleted from the trash for good. */
export const itemDeletedEvent = z.object({
  type: z.literal('item.deleted'),
  ...itemFields,
  reason: z.enum(['trashed', 'purged']),
});

/** Back from the trash, in its old folder or in the root. */
export const itemRestoredEvent = z.object({
  type: z.literal('item.restored'),
  ...itemFields,
});

/** A new copy (of a folder: with everything in it) of the item `sourceId`. */
export const itemCopiedEvent = z.object({
  type: z.literal('item.copied'),
  ...itemFields,
  sourceId: id,
});

/**
 * The user starred or unstarred these items (in another tab, say). Stars are each user's own, so
 * only that user's sockets hear of it, never a share link's visitor.
 */
export const itemStarredEvent = z.object({
  type: z.literal('item.starred'),
  ...envelope,
  itemIds: z.array(id),
  starred: z.boolean(),
});

/**
 * An item was shared with a user, their role on it changed, or their access ended (`role` null).
 * Sent to the owner's sockets and to that user's, so a list of who has access, and the other user's
 * Shared with me, follow at once; a socket stops hearing of the item the moment access ends.
 */
export const accessChangedEvent = z.object({
  type: z.literal('access.changed'),
  ...envelope,
  itemId: id,
  userId: id,
  role: shareRole.nullable(),
});

/** A resumable upload is receiving bytes; a few of these a second at most, then `item.created`. */
export const uploadProgressEvent = z.object({
  type: z.literal('upload.progress'),
  ...envelope,
  ...eventPlace.shape,
  uploadId: id,
  name: z.string(),
  receivedBytes: z.number().int().nonnegative(),
  /** Null while the client has not given the upload's length (Upload-Defer-Length). */
  totalBytes: z.number().int().nonnegative().nullable(),
});

/**
 * How a download the page follows (`?download=<id>`) is going, sent to the sockets of the session that
 * asked for it: at once when it begins, then a few times a second at most, and once when it ends.
 * `sentBytes` is how far into the file or archive the response has got (a resumed download starts
 * past 0). A zip's name, total and entries are null until it is planned.
 */
export const downloadProgressEvent = z.object({
  type: z.literal('download.progress'),
  ...envelope,
  downloadId,
  kind: z.enum(downloadKinds),
  name: z.string().nullable(),
  state: z.enum(downloadStates),
  sentBytes: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative().nullable(),
  /** A zip's entries (files and folders) wholly sent, and how many it has. */
  entriesDone: z.number().int().nonnegative().nullable(),
  entriesTotal: z.number().int().nonnegative().nullable(),
  /**
   * Why it `failed`: the API error the browser was answered with, or `disconnected` when the
   * connection closed before the end (the browser's own cancel, a network drop).
   */
  error: z
    .object({ code: z.union([z.enum(errorCodes), z.literal('disconnected')]), message: z.string() })
    .nullable(),
});
export type DownloadProgressEvent = z.infer<typeof downloadProgressEvent>;

/** A storage credential's health changed (sent to admins): the same status as GET /admin/storage. */
export const storageHealthEvent = z.object({
  type: z.literal('storage.health'),
  ...envelope,
  storage: storageStatus,
});

/** These sessions of the user were signed out or revoked; a socket of one of them closes next. */
export const sessionEndedEvent = z.object({
  type: z.literal('session.ended'),
  ...envelope,
  sessionIds: z.array(id),
});

/** Subscribed: anything missed since `since` has been sent before this; live events follow. */
export const readyEvent = z.object({
  type: z.literal('ready'),
  ...envelope,
});

/** What happened since `since` is no longer known: reload the view, then carry on from this id. */
export const resyncEvent = z.object({
  type: z.literal('resync'),
  ...envelope,
});

export const itemEvent = z.discriminatedUnion('type', [
  itemCreatedEvent,
  itemUpdatedEvent,
  itemVersionsEvent,
  itemMovedEvent,
  itemDeletedEvent,
  itemRestoredEvent,
  itemCopiedEvent,
]);
export type ItemEvent = z.infer<typeof itemEvent>;

export const driveEvent = z.discriminatedUnion('type', [
  ...itemEvent.options,
  itemStarredEvent,
  accessChangedEvent,
  uploadProgressEvent,
  downloadProgressEvent,
  storageHealthEvent,
  sessionEndedEvent,
  readyEvent,
  resyncEvent,
]);
export type DriveEvent = z.infer<typeof driveEvent>;
export type DriveEventType = DriveEvent['type'];

export const eventsQuery = z.object({
  /** The id of the last message received before the connection dropped. */
  since: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  /** A bearer token, for clients that cannot set headers on a websocket (not for browsers: use the cookie). */
  access_token: z.string().min(1).max(200).optional(),
});
export type EventsQuery = z.infer<typeof eventsQuery>;

/** Close codes of the events socket beyond the standard ones. */
export const eventsCloseCodes = {
  /** The session was signed out, revoked or has expired: sign in again rather than reconnect. */
  sessionEnded: 4401,
  /** The client read too slowly and fell behind: reconnect with `since`. */
  fellBehind: 4408,
} as const;
