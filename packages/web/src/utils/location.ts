/**
 * Until a router arrives, the open folder lives in the URL hash (`#/folders/<id>`, `#/` for the root)
 * so links, reloads and the back button work.
 */

export function folderHref(id: string | null): string {
  return id === null ? '#/' : `#/folders/${encodeURIComponent(id)}`;
}

/** The folder id in a location hash, or null for the root (or anything unrecognised). */
export function folderIdFromHash(hash: string): string | null {
  const match = /^#\/folders\/([^/?#]+)\/?$/.exec(hash);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

export const STORAGE_ADMIN_HREF = '#/admin/storage';

/** Which page a location hash shows. */
export function pageFromHash(hash: string): 'storage' | 'files' {
  return hash.startsWith(STORAGE_ADMIN_HREF) ? 'storage' : 'files';
}
