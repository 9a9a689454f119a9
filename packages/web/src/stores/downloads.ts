import { defineStore } from 'pinia';
import { downloadUrl } from '../api/files';
import { apiUrl } from '../api/http';

/**
 * Starting downloads: one file, a folder as a zip, or a selection as a zip. Each is a plain
 * navigation to an attachment URL (the session cookie authenticates it), so the browser's own
 * download manager shows progress and can resume a dropped download (the server honours Range).
 */
export const useDownloadsStore = defineStore('downloads', () => {
  function start(url: string): void {
    const link = document.createElement('a');
    link.href = url;
    link.download = '';
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
  }

  function downloadFile(fileId: string): void {
    start(downloadUrl(fileId));
  }

  function downloadFolder(folderId: string): void {
    start(apiUrl(`/folders/${encodeURIComponent(folderId)}/zip`));
  }

  /** Several items (files and folders) in one zip. */
  function downloadSelection(ids: string[]): void {
    start(apiUrl('/zip', { ids: ids.join(',') }));
  }

  return { downloadFile, downloadFolder, downloadSelection };
});
