import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DownloadProgressEvent, DriveEvent } from '@idrive/shared';
import { MemoryEventBus } from '../events/memory-event-bus.js';
import { sessionTopic, userTopic } from '../events/topics.js';
import { MemoryDownloadRegistry } from './download-registry.js';
import { DownloadService, type DownloadOwner } from './download.service.js';

const owner: DownloadOwner = { userId: randomUUID(), sessionId: randomUUID() };
const ID = 'download-id-0000001';

describe('DownloadService', () => {
  let received: DownloadProgressEvent[];
  let userHeard: DriveEvent[];
  let downloads: DownloadService;
  let registry: MemoryDownloadRegistry;
  let clock: number;

  beforeEach(async () => {
    vi.useFakeTimers();
    clock = 0;
    const bus = new MemoryEventBus();
    received = [];
    userHeard = [];
    await bus.subscribe([sessionTopic(owner.sessionId)], (event) => {
      if (event.type === 'download.progress') received.push(event);
    });
    await bus.subscribe([userTopic(owner.userId)], (event) => userHeard.push(event));
    registry = new MemoryDownloadRegistry(60_000, () => clock);
    downloads = new DownloadService(bus, registry);
  });
  afterEach(() => vi.useRealTimers());

  const states = () => received.map((e) => `${e.state} ${e.sentBytes}`);

  it('says "preparing" at once, then the latest figure at most every 250 ms, and the end at once', async () => {
    const download = (await downloads.begin(owner, ID, 'zip'))!;
    expect(received).toMatchObject([{ downloadId: ID, kind: 'zip', state: 'preparing', name: null }]);
    download.describe({
      name: 'photos.zip',
      totalBytes: 1000,
      entries: { total: 4, before: (at) => at / 250 },
    });
    download.sending(0);
    for (let sent = 0; sent < 500; sent += 50) download.sent(50);
    await vi.advanceTimersByTimeAsync(249);
    expect(states()).toEqual(['preparing 0']);
    await vi.advanceTimersByTimeAsync(1);
    expect(states()).toEqual(['preparing 0', 'sending 500']);
    expect(received[1]).toMatchObject({
      name: 'photos.zip',
      totalBytes: 1000,
      entriesDone: 2,
      entriesTotal: 4,
    });
    download.sent(250);
    download.sent(250);
    download.ended('whole');
    expect(states()).toEqual(['preparing 0', 'sending 500', 'done 1000']);
    expect(received[2]).toMatchObject({ entriesDone: 4, error: null });
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toHaveLength(3);
    // Only the session that asked hears of it: not the user's other sockets.
    expect(userHeard).toEqual([]);
  });

  it('tells a connection that closed early from a cancel, and says nothing after the end', async () => {
    const cut = (await downloads.begin(owner, ID, 'file'))!;
    cut.sending(100);
    cut.sent(50);
    cut.ended('cut');
    expect(received.at(-1)).toMatchObject({
      state: 'failed',
      sentBytes: 150,
      error: { code: 'disconnected' },
    });

    const cancelled = (await downloads.begin(owner, 'download-id-0000002', 'file'))!;
    cancelled.sending(0);
    cancelled.sent(10);
    await downloads.cancel(owner.userId, 'download-id-0000002');
    expect(cancelled.signal.aborted).toBe(true);
    expect(received.at(-1)).toMatchObject({ state: 'cancelled', sentBytes: 10, error: null });
    const count = received.length;
    cancelled.sent(10);
    cancelled.ended('cut');
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toHaveLength(count);
  });

  it("cancels only the user's own download in flight, and refuses a cancelled one for a while", async () => {
    const download = (await downloads.begin(owner, ID, 'zip'))!;
    await expect(downloads.cancel(randomUUID(), ID)).rejects.toMatchObject({ status: 404 });
    await expect(downloads.cancel(owner.userId, 'download-id-unknown')).rejects.toMatchObject({
      status: 404,
    });
    expect(download.signal.aborted).toBe(false);

    await downloads.cancel(owner.userId, ID);
    expect(download.signal.aborted).toBe(true);
    // The browser's own retry of the same address is refused; the cancel has nothing left to end.
    expect(await downloads.begin(owner, ID, 'zip')).toBeNull();
    await expect(downloads.cancel(owner.userId, ID)).rejects.toMatchObject({ status: 404 });
    // Another user may use the same id.
    expect(await downloads.begin({ ...owner, userId: randomUUID() }, ID, 'zip')).not.toBeNull();

    clock += 60_001;
    expect(await downloads.begin(owner, ID, 'zip')).not.toBeNull();
  });

  it('reports a download refused before it began as failed, with the error the browser got', () => {
    downloads.refused(owner, ID, 'file', { code: 'locked', message: 'This folder is locked' });
    expect(received).toMatchObject([
      { state: 'failed', name: null, totalBytes: null, error: { code: 'locked' } },
    ]);
  });
});
