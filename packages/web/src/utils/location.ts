/** The app path of a folder: `/` for the root (null), `/folders/<id>` for any other. */
export function folderPath(id: string | null): string {
  return id === null ? '/' : `/folders/${encodeURIComponent(id)}`;
}
