import type { MediaInfo } from '@idrive/shared';
import { z } from 'zod';
import type { FileVersionRow, UserRow } from '../db/schema.js';
import { UnrecoverableJobError } from '../jobs/job-queue.js';
import type { JobHandler } from '../jobs/job-worker.js';
import { AppError } from '../lib/app-error.js';
import type { MediaOutcome } from '../repositories/media.repository.js';
import type { Repositories } from '../repositories/repositories.js';
import type { FileService, OpenFile, OpenVersion } from './file.service.js';
import type { ItemService } from './item.service.js';
import { serveVersion } from './thumbnail-source.js';
import { storeThumbnail, THUMBNAIL_TYPE } from './thumbnail-store.js';
import type { VideoTools } from './thumbnail-video.js';

/**
 * sharp (libvips) holds about 30 MB once loaded, so it is loaded for the first image rather than at
 * start-up: a drive that never sees an image never pays for it.
 */
async function describeImage(input: Buffer, maxPixels: number) {
  const { describeImage: describe } = await import('./thumbnail-image.js');
  return describe(input, maxPixels);
}

export interface MediaOptions {
  /** Images with more pixels than this get no thumbnail (decoding them would take too much memory). */
  imageMaxPixels: number;
}

/** Images are decoded from memory; a larger file is not read at all. */
const IMAGE_MAX_BYTES = 100 * 1024 * 1024;

const mediaPayload = z.object({ versionId: z.string().min(1) });

/** What a job found, and the thumbnail to store with it. */
interface Findings {
  outcome: Omit<MediaOutcome, 'thumbnail_version_id'>;
  thumbnail: Buffer | null;
}

const nothingKnown = { width: null, height: null, orientation: null, duration_ms: null };

/**
 * Media facts and thumbnails. Each committed image or video version gets a job (queued by
 * MediaQueue); the job reads the file, records its dimensions, orientation and duration, and stores
 * a thumbnail as an encrypted version of its own, which is deleted with the file's version.
 */
export class MediaService implements JobHandler {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly files: FileService,
    private readonly video: VideoTools,
    private readonly options: MediaOptions,
  ) {}

  async run(payload: unknown, signal: AbortSignal): Promise<void> {
    const { versionId } = mediaPayload.parse(payload);
    const media = await this.repos.media.find(versionId);
    // Gone with its version, or settled by an earlier run.
    if (media?.status !== 'pending') return;
    const file = await this.files.openVersion(versionId);
    const findings = media.kind === 'image' ? await this.image(file) : await this.videoFindings(file, signal);
    await this.record(file.version, findings);
  }

  async gaveUp(payload: unknown, error: string): Promise<void> {
    const parsed = mediaPayload.safeParse(payload);
    if (!parsed.success) return;
    await this.repos.media.settle(
      parsed.data.versionId,
      { status: 'failed', ...nothingKnown, thumbnail_version_id: null, error },
      Date.now(),
    );
  }

  /** The media facts of a version, for the file's info; undefined for files that are not media. */
  async info(versionId: string): Promise<MediaInfo | undefined> {
    const row = await this.repos.media.find(versionId);
    if (!row) return undefined;
    return {
      kind: row.kind,
      status: row.status,
      width: row.width,
      height: row.height,
      orientation: row.orientation,
      duration: row.duration_ms === null ? null : row.duration_ms / 1000,
      thumbnail: row.thumbnail_version_id !== null,
    };
  }

  /**
   * A user's file's thumbnail, opened for reading like a file of its own type. A file whose job has
   * not run yet is `thumbnail_pending`; one that will have none is `thumbnail_unavailable`.
   */
  async thumbnail(user: UserRow, itemId: string): Promise<OpenFile> {
    const item = await this.items.get(user, itemId);
    const media = item.version_id ? await this.repos.media.find(item.version_id) : undefined;
    if (media?.status === 'pending') {
      throw new AppError(404, 'thumbnail_pending', 'The thumbnail is being made; ask again in a moment');
    }
    if (!media?.thumbnail_version_id) {
      throw new AppError(404, 'thumbnail_unavailable', 'This item has no thumbnail');
    }
    const thumbnail = await this.files.openVersion(media.thumbnail_version_id);
    return { ...thumbnail, item: { ...item, name: `${item.name}.webp`, mime_type: THUMBNAIL_TYPE } };
  }

  private async image(file: OpenVersion): Promise<Findings> {
    if (file.version.size > IMAGE_MAX_BYTES) {
      throw new UnrecoverableJobError(
        `The image is ${file.version.size} bytes, more than the ${IMAGE_MAX_BYTES} thumbnails are made from`,
      );
    }
    const facts = await describeImage(await this.readAll(file), this.options.imageMaxPixels);
    return {
      outcome: {
        status: 'ready',
        width: facts.width,
        height: facts.height,
        orientation: facts.orientation,
        duration_ms: null,
        error: null,
      },
      thumbnail: facts.thumbnail,
    };
  }

  private async videoFindings(file: OpenVersion, signal: AbortSignal): Promise<Findings> {
    if (!(await this.video.isAvailable())) {
      return {
        outcome: { status: 'skipped', ...nothingKnown, error: 'ffmpeg is turned off or not installed' },
        thumbnail: null,
      };
    }
    const served = await serveVersion(this.files, file);
    let facts;
    try {
      facts = await this.video.describe(served.url, signal);
    } finally {
      await served.close();
    }
    const thumbnail = facts.poster
      ? (await describeImage(facts.poster, this.options.imageMaxPixels)).thumbnail
      : null;
    return {
      outcome: {
        status: 'ready',
        width: facts.width,
        height: facts.height,
        orientation: facts.orientation,
        duration_ms: facts.durationMs,
        error: thumbnail ? null : 'The video has no picture to show',
      },
      thumbnail,
    };
  }

  /** Stores the thumbnail and records the findings in one commit; a version deleted meanwhile takes the thumbnail with it. */
  private async record(version: FileVersionRow, findings: Findings): Promise<void> {
    const stored = findings.thumbnail
      ? await storeThumbnail(this.files, version.owner_id, findings.thumbnail)
      : null;
    try {
      await this.repos.transaction(async (r) => {
        const now = Date.now();
        if (stored) await r.versions.markCommitted(stored.versionId, stored.size, stored.sha256);
        const outcome = { ...findings.outcome, thumbnail_version_id: stored?.versionId ?? null };
        if (!(await r.media.settle(version.id, outcome, now)) && stored) {
          await r.versions.deleteVersions([stored.versionId], now);
        }
      });
    } catch (err) {
      if (stored) await this.files.discardVersion(stored.versionId);
      throw err;
    }
  }

  /** A whole (small) file in one buffer, its SHA-256 checked on the way. */
  private async readAll(file: OpenVersion): Promise<Buffer> {
    const bytes = Buffer.allocUnsafe(file.version.size);
    let at = 0;
    for await (const piece of this.files.read(file, 0, file.version.size)) {
      at += piece.copy(bytes, at);
      this.files.release(piece);
    }
    return bytes;
  }
}
