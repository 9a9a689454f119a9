import type { DownloadProgressEvent, DriveEvent } from '@idrive/shared';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cancelDownload } from '../api/downloads';
import { ApiError } from '../api/http';

vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
vi.stubGlobal('navigator', { language: 'en' });
// The links a download clicks: what they pointed at.
const clicked: string[] = [];
vi.stubGlobal('document', {
  createElement: () => {
    const link = { href: '', click: () => clicked.push(link.href), remove: () => undefined };
    return link;
  },
  body: { append: () => undefined },
});

let hear: (event: DriveEvent) => void = () => undefined;
vi.mock('./live', () => ({
  useLiveStore: () => ({ subscribe: (listener: (event: DriveEvent) => void) => (hear = listener) }),
}));
vi.mock('../api/downloads', async (original) => ({
  ...(await original<typeof import('../api/downloads')>()),
  cancelDownload: vi.fn(),
}));

const { useDownloadsStore } = await import('./downloads');

let nextId = 1;
function progress(downloadId: string, figures: Partial<DownloadProgressEvent>): DownloadProgressEvent {
  return {
    type: 'download.progress',
    id: nextId++,
    at: new Date().toISOString(),
    downloadId,
    kind: 'zip',
    name: 'Photos.zip',
    state: 'sending',
    sentBytes: 0,
    totalBytes: 1000,
    entriesDone: 0,
    entriesTotal: 4,
    error: null,
    ...figures,
  };
}

describe('downloads store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    clicked.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  /** Starts a selection zip and gives back its job and the id its URL carries. */
  function startSelection() {
    const downloads = useDownloadsStore();
    downloads.downloadSelection(['a', 'b', 'c']);
    const url = new URL(clicked.at(-1)!, 'http://drive');
    const id = url.searchParams.get('download')!;
    expect(url.pathname).toBe('/api/v1/zip');
    expect(url.searchParams.get('ids')).toBe('a,b,c');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    return { downloads, id, job: downloads.jobs[0]! };
  }

  it('follows a download through what the server says, with its speed', () => {
    const { downloads, id, job } = startSelection();
    expect(job).toMatchObject({ id, status: 'starting', name: null, count: 3 });
    hear(progress(id, { state: 'preparing', name: null, totalBytes: null, entriesTotal: null }));
    expect(job).toMatchObject({ status: 'preparing', total: null });
    hear(progress(id, { sentBytes: 100 }));
    vi.advanceTimersByTime(1000);
    hear(progress(id, { sentBytes: 600, entriesDone: 2 }));
    expect(job).toMatchObject({
      status: 'sending',
      name: 'Photos.zip',
      sent: 600,
      entriesDone: 2,
      speed: 500,
    });
    expect(downloads.active).toEqual([job]);
    hear(progress(id, { state: 'done', sentBytes: 1000, entriesDone: 4 }));
    expect(job).toMatchObject({ status: 'done', speed: 0 });
    expect(downloads.finished).toEqual([job]);
  });

  it('says so when the server never reports on a download, until it does', () => {
    const { id, job } = startSelection();
    vi.advanceTimersByTime(20_000);
    expect(job.status).toBe('unconfirmed');
    hear(progress(id, { sentBytes: 10 }));
    expect(job.status).toBe('sending');
  });

  it('takes in a download of this session it did not start, but not one already over or dismissed', () => {
    const downloads = useDownloadsStore();
    hear(progress('started-elsewhere-0001', { state: 'done' }));
    expect(downloads.jobs).toEqual([]);
    hear(progress('started-elsewhere-0002', { sentBytes: 5 }));
    expect(downloads.jobs).toMatchObject([{ id: 'started-elsewhere-0002', status: 'sending', sent: 5 }]);
    hear(
      progress('started-elsewhere-0002', { state: 'failed', error: { code: 'disconnected', message: 'x' } }),
    );
    expect(downloads.jobs[0]!.error).toMatch(/connection closed before the end/);
    downloads.clearFinished();
    hear(progress('started-elsewhere-0002', { sentBytes: 5 }));
    expect(downloads.jobs).toEqual([]);
  });

  it('cancels through the server, and tells a download the server no longer sends', async () => {
    const { downloads, id, job } = startSelection();
    hear(progress(id, { sentBytes: 10 }));
    vi.mocked(cancelDownload).mockResolvedValueOnce();
    await downloads.cancel(job);
    expect(cancelDownload).toHaveBeenCalledWith(id);
    expect(job).toMatchObject({ status: 'sending', cancelling: true });
    hear(progress(id, { state: 'cancelled', sentBytes: 20 }));
    expect(job).toMatchObject({ status: 'cancelled', cancelling: false, sent: 20 });

    const other = startSelection();
    hear(progress(other.id, { sentBytes: 10 }));
    vi.mocked(cancelDownload).mockRejectedValueOnce(new ApiError(404, 'not_found', 'Download not found'));
    await downloads.cancel(other.job);
    expect(other.job).toMatchObject({ status: 'unconfirmed', cancelling: false });
    vi.mocked(cancelDownload).mockRejectedValueOnce(new ApiError(0, 'network_error', 'Could not reach'));
    other.job.status = 'sending';
    await downloads.cancel(other.job);
    expect(other.job).toMatchObject({ status: 'sending', cancelling: false, error: 'Could not reach' });
  });
});
