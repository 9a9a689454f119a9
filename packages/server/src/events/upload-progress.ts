import type { EventPlace } from '@idrive/shared';
import type { UploadRow } from '../db/schema.js';
import { Pacer } from '../lib/pacer.js';
import type { EventBus } from './event-bus.js';
import { folderTopic, userTopic } from './topics.js';

interface Tracked {
  /** As of the latest report: a later PATCH may give the length the first did not know. */
  upload: UploadRow;
  pacer: Pacer<number>;
  /** Read once per upload: the target folder does not move often enough to look it up every time. */
  place: Promise<EventPlace>;
}

/**
 * How far resumable uploads have got. Bytes arrive in pieces of 64 KiB or so, far too often to
 * announce each: an upload is announced at most once per interval, and its latest figure always
 * goes out within one interval.
 */
export class UploadProgress {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly bus: EventBus,
    /** Where a folder is (see place.ts). */
    private readonly placeOf: (folderId: string) => Promise<EventPlace>,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  report(upload: UploadRow, receivedBytes: number): void {
    let tracked = this.tracked.get(upload.id);
    if (!tracked) {
      const place = this.placeOf(upload.parent_id);
      // A lookup that fails (the folder was just purged) costs only the progress events.
      place.catch(() => undefined);
      const created: Tracked = {
        upload,
        place,
        pacer: new Pacer((received) => this.send(created, received), this.intervalMs, this.now),
      };
      tracked = created;
      this.tracked.set(upload.id, tracked);
    }
    tracked.upload = upload;
    tracked.pacer.update(receivedBytes);
  }

  /** The upload completed or was dropped: nothing more is said about it (`item.created` follows a completion). */
  end(uploadId: string): void {
    this.tracked.get(uploadId)?.pacer.stop();
    this.tracked.delete(uploadId);
  }

  private send(tracked: Tracked, received: number): void {
    const { upload } = tracked;
    void tracked.place.then(
      (place) => {
        if (this.tracked.get(upload.id) !== tracked) return;
        this.bus.publish(
          [userTopic(upload.owner_id), ...place.ancestorIds.map(folderTopic)],
          {
            type: 'upload.progress',
            ...place,
            uploadId: upload.id,
            name: upload.name,
            receivedBytes: received,
            totalBytes: upload.length_deferred ? null : upload.size,
          },
          { transient: true },
        );
      },
      () => undefined,
    );
  }
}
