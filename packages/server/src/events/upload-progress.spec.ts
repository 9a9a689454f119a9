import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DriveEvent } from '@idrive/shared';
import type { UploadRow } from '../db/schema.js';
import { MemoryEventBus } from './memory-event-bus.js';
import { folderTopic, userTopic } from './topics.js';
import { UploadProgress } from './upload-progress.js';

const root = randomUUID();
const folder = randomUUID();
const upload: UploadRow = {
  id: randomUUID(),
  owner_id: randomUUID(),
  parent_id: folder,
  name: 'film.mkv',
  conflict: 'rename',
  mime_type: null,
  size: 1000,
  length_deferred: 0,
  version_id: randomUUID(),
  created_at: 0,
  expires_at: 0,
};

describe('UploadProgress', () => {
  let received: number[];
  let progress: UploadProgress;
  let lookups: number;

  beforeEach(async () => {
    vi.useFakeTimers();
    const bus = new MemoryEventBus();
    received = [];
    lookups = 0;
    // A share visitor of the folder above listens on its topic, not the owner's.
    await bus.subscribe([folderTopic(root)], (event: DriveEvent) => {
      if (event.type !== 'upload.progress') return;
      expect(event).toMatchObject({ uploadId: upload.id, name: 'film.mkv', totalBytes: 1000 });
      expect(event).toMatchObject({ parentId: folder, ancestorIds: [root, folder] });
      received.push(event.receivedBytes);
    });
    await bus.subscribe([userTopic(upload.owner_id)], () => undefined);
    progress = new UploadProgress(bus, async (parentId) => {
      lookups++;
      return { parentId, ancestorIds: [root, parentId] };
    });
  });
  afterEach(() => vi.useRealTimers());

  it('announces at once, then at most every 250 ms, always ending on the latest figure', async () => {
    progress.report(upload, 100);
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toEqual([100]);
    progress.report(upload, 200);
    progress.report(upload, 300);
    await vi.advanceTimersByTimeAsync(249);
    expect(received).toEqual([100]);
    await vi.advanceTimersByTimeAsync(1);
    expect(received).toEqual([100, 300]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toEqual([100, 300]);
    progress.report(upload, 400);
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toEqual([100, 300, 400]);
    expect(lookups).toBe(1);
  });

  it('says nothing more about an upload that has ended', async () => {
    progress.report(upload, 100);
    progress.report(upload, 200);
    progress.end(upload.id);
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toEqual([]);
  });
});
