import type { FileVersionList, ItemDetails, Listing, Share } from '@idrive/shared';
import type { DriveClient } from './drive-client.js';

/** One file or folder as its owner sees it, by path. */
export interface SnapshotEntry {
  path: string;
  type: 'file' | 'folder';
  size: number;
  mimeType: string | null;
  createdAt: string;
  updatedAt: string;
  locked: boolean;
  starred: boolean;
  sha256: string | null;
  tags: string[];
  /** Files: each version's size and SHA-256, newest first. */
  versions: { size: number; sha256: string | null; current: boolean }[];
}

export interface DriveSnapshot {
  entries: SnapshotEntry[];
  trash: string[];
  shares: {
    itemName: string;
    token: string;
    hasPassword: boolean;
    maxDownloads: number | null;
    downloads: number;
  }[];
}

/**
 * Everything a user sees of their drive, by path (ids are compared through the paths): every item
 * with its details, tags and versions, the trash and the share links. Locked folders are opened with
 * `unlock` on the way down.
 */
export async function snapshotOf(
  client: DriveClient,
  unlock: (folderId: string) => Promise<void>,
): Promise<DriveSnapshot> {
  const entries: SnapshotEntry[] = [];
  const walk = async (folderId: string, prefix: string) => {
    const res = await client.request('GET', `/folders/${folderId}/children?limit=10000`);
    if (res.statusCode !== 200) throw new Error(`listing ${prefix || '/'}: ${res.statusCode} ${res.body}`);
    for (const item of res.json<Listing>().items) {
      const path = `${prefix}/${item.name}`;
      if (item.locked) await unlock(item.id);
      const details = (await client.request('GET', `/items/${item.id}`)).json<ItemDetails>();
      const versions =
        item.type === 'file'
          ? (await client.request('GET', `/files/${item.id}/versions`)).json<FileVersionList>().versions
          : [];
      entries.push({
        path,
        type: item.type,
        size: item.size,
        mimeType: item.mimeType,
        createdAt: item.createdAt,
        updatedAt: item.updatedAt,
        locked: item.locked === true,
        starred: item.starred,
        sha256: details.sha256,
        tags: (details.tags ?? []).map((t) => t.name).sort(),
        versions: versions.map((v) => ({ size: v.size, sha256: v.sha256, current: v.current })),
      });
      if (item.type === 'folder') await walk(item.id, path);
    }
  };
  await walk(await client.rootId(), '');
  const shares = (await client.request('GET', '/shares')).json<{ shares: Share[] }>().shares;
  return {
    entries: entries.sort((a, b) => a.path.localeCompare(b.path)),
    trash: (await client.trashList()).items.map((i) => i.name).sort(),
    shares: shares
      .map((s) => ({
        itemName: s.itemName,
        token: s.token,
        hasPassword: s.hasPassword,
        maxDownloads: s.maxDownloads,
        downloads: s.downloads,
      }))
      .sort((a, b) => a.token.localeCompare(b.token)),
  };
}
