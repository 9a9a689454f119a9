import type { BatchUploadResponse, PublicShare, ShareListing, SortKey } from '@idrive/shared';
import { apiUrl, http } from './http';

/*
 * The visitor's side of a share link. After the right password the server sets an access cookie scoped
 * to the link's API paths, so listings, downloads and media elements all carry it without help.
 */

const base = (token: string) => `/s/${encodeURIComponent(token)}`;

/** What the link shares; rejects 410 `gone` (expired, revoked, used up) and 404. */
export function openShare(token: string): Promise<PublicShare> {
  return http.get<PublicShare>(base(token));
}

/** Rejects 401 on a wrong password and 429 when guessing is throttled. */
export async function giveSharePassword(token: string, password: string): Promise<void> {
  await http.post<unknown>(`${base(token)}/access`, { password });
}

/** A folder of the share; the shared folder itself when `folder` is absent. 401 `password_required`. */
export function listShareFolder(
  token: string,
  folder: string | undefined,
  options: {
    sort?: SortKey;
    order?: 'asc' | 'desc';
    offset?: number;
    limit?: number;
    signal?: AbortSignal;
  } = {},
): Promise<ShareListing> {
  const { signal, ...query } = options;
  return http.get<ShareListing>(`${base(token)}/items`, { query: { folder, ...query }, signal });
}

export function shareFileUrl(token: string, fileId: string, disposition: 'inline' | 'attachment'): string {
  return apiUrl(`${base(token)}/files/${encodeURIComponent(fileId)}/content`, { disposition });
}

export function shareZipUrl(token: string, folder?: string): string {
  return apiUrl(`${base(token)}/zip`, { folder });
}

/** Files for a file request; a name already taken gets a number. */
export function uploadToShare(
  token: string,
  files: readonly File[],
  signal?: AbortSignal,
): Promise<BatchUploadResponse> {
  const form = new FormData();
  for (const file of files) form.append('file', file, file.name);
  return http.post<BatchUploadResponse>(`${base(token)}/upload`, form, { signal });
}
