import { apiUrl, http } from './http';

/**
 * A fresh id for a download the page follows: the server reports on `?download=<id>` and cancels
 * by it. 16 random bytes, base64url (22 characters).
 */
export function newDownloadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Attachment URLs (the session cookie authenticates them), followed under `downloadId`. */
export function fileDownloadUrl(fileId: string, downloadId: string): string {
  return apiUrl(`/files/${encodeURIComponent(fileId)}/content`, {
    disposition: 'attachment',
    download: downloadId,
  });
}

export function folderZipUrl(folderId: string, downloadId: string): string {
  return apiUrl(`/folders/${encodeURIComponent(folderId)}/zip`, { download: downloadId });
}

export function selectionZipUrl(ids: string[], downloadId: string): string {
  return apiUrl('/zip', { ids: ids.join(','), download: downloadId });
}

/** Ends a download the server is sending for this user; the `cancelled` event follows. */
export async function cancelDownload(downloadId: string): Promise<void> {
  await http.post(`/downloads/${encodeURIComponent(downloadId)}/cancel`);
}
