import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { downloadUrl } from '../api/files';
import { apiUrl } from '../api/http';
import { useFolderStore } from './folder';

export interface StartedDownload {
  kind: 'file' | 'folder' | 'selection';
  /** Known when the item is in the folder being browsed. */
  name: string | null;
  count: number;
  at: number;
}

function nameOf(id: string): string | null {
  return useFolderStore().items.find((item) => item.id === id)?.name ?? null;
}

/**
 * Starting downloads: one file, a folder as a zip, or a selection as a zip. Each is a plain
 * navigation to an attachment URL (the session cookie authenticates it), so the browser's own
 * download manager shows progress and can resume a dropped download (the server honours Range).
 */
export const useDownloadsStore = defineStore('downloads', () => {
  /** The download just started, for a short "started" message (the browser shows the progress). */
  const started = shallowRef<StartedDownload | null>(null);

  function start(url: string, what: Omit<StartedDownload, 'at'>): void {
    started.value = { ...what, at: Date.now() };
    const link = document.createElement('a');
    link.href = url;
    link.download = '';
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
  }

  function downloadFile(fileId: string): void {
    start(downloadUrl(fileId), { kind: 'file', name: nameOf(fileId), count: 1 });
  }

  function downloadFolder(folderId: string): void {
    start(apiUrl(`/folders/${encodeURIComponent(folderId)}/zip`), {
      kind: 'folder',
      name: nameOf(folderId),
      count: 1,
    });
  }

  /** Several items (files and folders) in one zip. */
  function downloadSelection(ids: string[]): void {
    start(apiUrl('/zip', { ids: ids.join(',') }), { kind: 'selection', name: null, count: ids.length });
  }

  return { started, downloadFile, downloadFolder, downloadSelection };
});
