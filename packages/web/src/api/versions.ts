import type {
  FileVersion,
  FileVersionList,
  Item,
  VersionRetention,
  VersionRetentionBody,
} from '@idrive/shared';
import { apiUrl, http } from './http';

const versionsPath = (fileId: string) => `/files/${encodeURIComponent(fileId)}/versions`;
const versionPath = (fileId: string, versionId: string) =>
  `${versionsPath(fileId)}/${encodeURIComponent(versionId)}`;

/** The file's versions: the current one first, then the earlier ones, most recently replaced first. */
export async function listVersions(fileId: string, signal?: AbortSignal): Promise<FileVersion[]> {
  return (await http.get<FileVersionList>(versionsPath(fileId), { signal })).versions;
}

/** A version's bytes: `attachment` downloads them, `inline` shows them in a tab of their own. */
export function versionContentUrl(
  fileId: string,
  versionId: string,
  disposition: 'inline' | 'attachment',
): string {
  return apiUrl(`${versionPath(fileId, versionId)}/content`, { disposition });
}

/** Makes an earlier version current again (as a new version); resolves with the updated file. */
export function restoreVersion(fileId: string, versionId: string): Promise<Item> {
  return http.post<Item>(`${versionPath(fileId, versionId)}/restore`);
}

export async function deleteVersion(fileId: string, versionId: string): Promise<void> {
  await http.delete<unknown>(versionPath(fileId, versionId));
}

export function getVersionRetention(): Promise<VersionRetention> {
  return http.get<VersionRetention>('/account/version-retention');
}

export function setVersionRetention(body: VersionRetentionBody): Promise<VersionRetention> {
  return http.put<VersionRetention>('/account/version-retention', body);
}
