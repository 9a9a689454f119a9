import type { DownloadKind, DownloadProgressEvent, DriveEvent } from '@idrive/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  cancelDownload,
  fileDownloadUrl,
  folderZipUrl,
  newDownloadId,
  selectionZipUrl,
} from '../api/downloads';
import { ApiError, errorMessage } from '../api/http';
import { i18n } from '../i18n';
import { RateMeter } from '../uploads/rate';
import { useFolderStore } from './folder';
import { useLiveStore } from './live';

export type DownloadStatus =
  /** Asked for; the server has not said anything yet. */
  | 'starting'
  | DownloadProgressEvent['state']
  /** Nothing was heard from the server in time: only the browser knows how it went. */
  | 'unconfirmed';

export interface DownloadJob {
  /** The download id the server reports under. */
  id: string;
  kind: DownloadKind;
  /** The server's name for it, or the page's guess until the server has said; null when neither knows. */
  name: string | null;
  /** Items of a selection zipped together (1 otherwise). */
  count: number;
  status: DownloadStatus;
  sent: number;
  total: number | null;
  entriesDone: number | null;
  entriesTotal: number | null;
  /** Bytes per second over the last seconds, while sending. */
  speed: number;
  error: string;
  /** A cancel was asked for and not answered yet. */
  cancelling: boolean;
}

const ACTIVE: readonly DownloadStatus[] = ['starting', 'preparing', 'sending'];
/** A zip waits for its plan behind at most a few others; past this, the server's word was lost. */
const UNHEARD_MS = 20_000;

export const isActive = (job: DownloadJob) => ACTIVE.includes(job.status);

function nameOf(id: string): string | null {
  return useFolderStore().items.find((item) => item.id === id)?.name ?? null;
}

/**
 * Downloads: one file, a folder as a zip, or a selection as a zip. Each is a plain navigation to an
 * attachment URL, so the browser's own download manager saves the bytes (a 10 GB zip never sits in
 * the page) and can resume a dropped file. The URL carries a fresh download id, and the server
 * reports on it over the live events of this session: the panel shows progress from those, and a
 * cancel asks the server to end the response. Downloads this session started in another tab, or
 * before a reload, are taken in when their progress is heard.
 */
export const useDownloadsStore = defineStore('downloads', () => {
  const jobs = ref<DownloadJob[]>([]);
  const meters = new Map<string, RateMeter>();
  const dismissed = new Set<string>();

  const active = computed(() => jobs.value.filter(isActive));
  const finished = computed(() => jobs.value.filter((job) => !isActive(job)));

  useLiveStore().subscribe(heard);

  function find(id: string): DownloadJob | undefined {
    return jobs.value.find((job) => job.id === id);
  }

  function heard(event: DriveEvent): void {
    if (event.type !== 'download.progress') return;
    let job = find(event.downloadId);
    if (!job) {
      if (dismissed.has(event.downloadId) || (event.state !== 'preparing' && event.state !== 'sending'))
        return;
      job = add(event.downloadId, event.kind, event.name, 1);
    }
    job.status = event.state;
    job.name = event.name ?? job.name;
    job.sent = event.sentBytes;
    job.total = event.totalBytes;
    job.entriesDone = event.entriesDone;
    job.entriesTotal = event.entriesTotal;
    job.cancelling &&= isActive(job);
    job.error = event.error ? failure(event.error) : '';
    job.speed = event.state === 'sending' ? pace(job.id, event.sentBytes) : 0;
  }

  /** Bytes per second while sending, from the figures heard. */
  function pace(id: string, sent: number): number {
    const meter = meters.get(id) ?? new RateMeter();
    meters.set(id, meter);
    meter.add(sent, Date.now());
    return meter.rate();
  }

  function failure(error: NonNullable<DownloadProgressEvent['error']>): string {
    if (error.code === 'disconnected') return i18n.global.t('downloads.job.disconnected');
    return errorMessage(new ApiError(0, error.code, error.message));
  }

  function add(id: string, kind: DownloadKind, name: string | null, count: number): DownloadJob {
    jobs.value.unshift({
      id,
      kind,
      name,
      count,
      status: 'starting',
      sent: 0,
      total: null,
      entriesDone: null,
      entriesTotal: null,
      speed: 0,
      error: '',
      cancelling: false,
    });
    return jobs.value[0]!;
  }

  function start(url: (downloadId: string) => string, kind: DownloadKind, name: string | null, count = 1) {
    const id = newDownloadId();
    add(id, kind, name, count);
    setTimeout(() => {
      const job = find(id);
      if (job?.status === 'starting') job.status = 'unconfirmed';
    }, UNHEARD_MS);
    const link = document.createElement('a');
    link.href = url(id);
    link.download = '';
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
  }

  function downloadFile(fileId: string): void {
    start((id) => fileDownloadUrl(fileId, id), 'file', nameOf(fileId));
  }

  function downloadFolder(folderId: string): void {
    const name = nameOf(folderId);
    start((id) => folderZipUrl(folderId, id), 'zip', name === null ? null : `${name}.zip`);
  }

  /** Several items (files and folders) in one zip. */
  function downloadSelection(ids: string[]): void {
    start((id) => selectionZipUrl(ids, id), 'zip', null, ids.length);
  }

  async function cancel(job: DownloadJob): Promise<void> {
    job.cancelling = true;
    job.error = '';
    try {
      await cancelDownload(job.id);
    } catch (err) {
      job.cancelling = false;
      // The server sends nothing under this id: it ended, and its last word did not reach this page.
      if (err instanceof ApiError && err.status === 404) job.status = 'unconfirmed';
      else job.error = errorMessage(err);
    }
  }

  function dismiss(job: DownloadJob): void {
    dismissed.add(job.id);
    meters.delete(job.id);
    jobs.value = jobs.value.filter((other) => other !== job);
  }

  function clearFinished(): void {
    for (const job of finished.value) dismiss(job);
  }

  return {
    jobs,
    active,
    finished,
    downloadFile,
    downloadFolder,
    downloadSelection,
    cancel,
    dismiss,
    clearFinished,
  };
});
