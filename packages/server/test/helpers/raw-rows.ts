import { nameKey } from '@idrive/shared';
import type { NewItemRow, NewUserRow } from '../../src/db/schema.js';

/**
 * Rows written straight into a database, for tests that start below the API: migrations over data
 * an older version left, or more rows than requests would make in time.
 */
export function rawUser(id: string, rootFolderId: string, now = Date.now()): NewUserRow {
  return {
    id,
    username: 'old',
    username_key: 'old',
    password_hash: 'x',
    perm_upload: 1,
    perm_delete: 1,
    perm_share: 1,
    perm_admin: 0,
    disabled: 0,
    root_folder_id: rootFolderId,
    used_bytes: 0,
    created_at: now,
  };
}

/** A live item; a file when it has a version or says so. */
export function rawItem(
  item: {
    id: string;
    ownerId: string;
    parentId: string | null;
    name: string;
    type?: 'file' | 'folder';
    versionId?: string;
    size?: number;
    mimeType?: string;
  },
  now = Date.now(),
): NewItemRow {
  return {
    id: item.id,
    owner_id: item.ownerId,
    parent_id: item.parentId,
    type: item.type ?? (item.versionId ? 'file' : 'folder'),
    name: item.name,
    name_key: nameKey(item.name),
    size: item.size ?? 0,
    mime_type: item.mimeType ?? null,
    version_id: item.versionId ?? null,
    created_at: now,
    updated_at: now,
    trashed_at: null,
    trash_root_id: null,
    original_parent_id: null,
  };
}
