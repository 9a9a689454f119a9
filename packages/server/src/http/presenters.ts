import type {
  AppPassword,
  DeviceSignInRequest,
  FileVersion,
  Item,
  ItemDetails,
  Session,
  Share,
  SharedMark,
  User,
  UserItem,
} from '@idrive/shared';
import type {
  AppPasswordRow,
  DevicePairingRow,
  ItemRow,
  SessionRow,
  ShareRow,
  ShareVisitRow,
  UserRow,
} from '../db/schema.js';
import type { ListedVersion } from '../repositories/history.repository.js';
import { describeUserAgent } from '../services/auth.service.js';
import type { BatchResult } from '../services/batch-upload.service.js';
import { permissionsOf } from '../services/user.service.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function presentUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    permissions: permissionsOf(row),
    disabled: row.disabled === 1,
    rootFolderId: row.root_folder_id,
    usedBytes: row.used_bytes,
    quotaBytes: row.quota_bytes,
    createdAt: iso(row.created_at),
  };
}

export function presentSession(row: SessionRow, currentId: string): Session {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    userAgent: row.user_agent,
    ip: row.ip,
    createdAt: iso(row.created_at),
    lastSeenAt: iso(row.last_seen_at),
    expiresAt: row.expires_at === null ? null : iso(row.expires_at),
    current: row.id === currentId,
  };
}

/** The device asking to be signed in, as the user who may approve it sees it. */
export function presentDeviceSignInRequest(row: DevicePairingRow): DeviceSignInRequest {
  return {
    deviceName: describeUserAgent(row.user_agent),
    userAgent: row.user_agent,
    ip: row.ip,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
  };
}

export function presentAppPassword(row: AppPasswordRow): AppPassword {
  return {
    id: row.id,
    name: row.name,
    readOnly: row.read_only === 1,
    createdAt: iso(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : iso(row.last_used_at),
  };
}

/** `locks`, when given, holds the ids of locked folders among the rows presented. */
export function presentItem(row: ItemRow, locks?: ReadonlySet<string>): Item {
  return {
    ...(locks?.has(row.id) ? { locked: true as const } : {}),
    id: row.id,
    type: row.type,
    name: row.name,
    parentId: row.parent_id,
    size: row.size,
    mimeType: row.mime_type,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    trashedAt: row.trashed_at === null ? null : iso(row.trashed_at),
  };
}

export function presentVersion(row: ListedVersion): FileVersion {
  return {
    id: row.id,
    size: row.size,
    createdAt: iso(row.created_at),
    author:
      row.author_id === null || row.username === null ? null : { id: row.author_id, username: row.username },
    current: row.replaced_at === null,
    sha256: row.sha256,
  };
}

/**
 * An item as the signed-in user sees it; `stars` holds the ids they starred among the rows presented,
 * `marks` whose the rows that are not theirs are (AccessService.marks).
 */
export function presentUserItem(
  row: ItemRow,
  locks: ReadonlySet<string> | undefined,
  stars: ReadonlySet<string>,
  marks?: ReadonlyMap<string, SharedMark>,
): UserItem {
  const shared = marks?.get(row.id);
  return { ...presentItem(row, locks), starred: stars.has(row.id), ...(shared ? { shared } : {}) };
}

/** The root folder's name is empty; clients label it themselves ("My Drive"). */
export function presentDetails(
  row: ItemRow,
  path: ItemRow[],
  sha256: string | null,
  locks: ReadonlySet<string> | undefined,
  stars: ReadonlySet<string>,
  marks?: ReadonlyMap<string, SharedMark>,
): ItemDetails {
  return {
    ...presentUserItem(row, locks, stars, marks),
    sha256,
    path: path.map((p) => ({ id: p.id, name: p.name })),
  };
}

/** What a link's card shows besides its row: the item, the token, and whether the owner may share. */
export interface ShareFacts {
  item: ItemRow;
  token: string;
  suspended: boolean;
  /** The address users reach the drive at, when it is set: links are then absolute. */
  publicUrl: string | undefined;
}

export function presentShare(row: ShareRow, { item, token, suspended, publicUrl }: ShareFacts): Share {
  return {
    id: row.id,
    token,
    url: `${publicUrl ?? ''}/s/${token}`,
    itemId: row.item_id,
    itemName: item.name,
    itemType: item.type,
    mode: row.mode,
    hasPassword: row.password_hash !== null,
    expiresAt: row.expires_at === null ? null : iso(row.expires_at),
    maxDownloads: row.max_downloads,
    downloads: row.downloads,
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
    suspended,
    createdAt: iso(row.created_at),
  };
}

export function presentVisit(row: ShareVisitRow) {
  return {
    at: iso(row.at),
    action: row.action,
    itemId: row.item_id,
    itemName: row.item_name,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/** A batch upload's outcome per file; `showItems` is false for link visitors, who see nothing stored. */
export function presentBatchResults(results: BatchResult[], showItems: boolean) {
  return results.map((r) =>
    'item' in r
      ? { path: r.path, ...(showItems ? { item: presentItem(r.item) } : {}) }
      : { path: r.path, error: { code: r.error.code, message: r.error.message, details: r.error.details } },
  );
}
