import { open } from 'node:fs/promises';
import path from 'node:path';
import type { CameraInfo, MediaInfo } from '@idrive/shared';
import { cameraInfo } from '@idrive/shared';
import { z } from 'zod';
import type { FileVersionRow, UserRow } from '../db/schema.js';
import { UnrecoverableJobError } from '../jobs/job-queue.js';
import type { JobHandler } from '../jobs/job-worker.js';
import { AppError } from '../lib/app-error.js';
import type { MediaOutcome } from '../repositories/media.repository.js';
import type { Repositories } from '../repositories/repositories.js';
import type { FileService, OpenFile, OpenVersion } from './file.service.js';
import type { ItemService } from './item.service.js';
import type { PhotoTools } from './photo-tools.js';
import type { PhotoPreview } from './thumbnail-image.js';
import { serveVersion } from './thumbnail-source.js';
import { PREVIEW_TYPE, storeThumbnail, THUMBNAIL_TYPE, type StoredThumbnail } from './thumbnail-store.js';
import type { VideoTools } from './thumbnail-video.js';

/**
 * sharp (libvips) holds about 30 MB once loaded, so it is loaded for the first image rather than at
 * start-up: a drive that never sees an image never pays for it.
 */
async function describeImage(input: Buffer, maxPixels: number) {
  const { describeImage: describe } = await import('./thumbnail-image.js');
  return describe(input, maxPixels);
}

async function renderPhoto(input: Buffer, orientation: number | null, maxPixels: number) {
  const { renderPhoto: render } = await import('./thumbnail-image.js');
  return render(input, orientation, maxPixels);
}

export interface MediaOptions {
  /** Images with more pixels than this get no thumbnail (decoding them would take too much memory). */
  imageMaxPixels: number;
  /** RAW and HEIC files larger than this get no preview (the tools need a decrypted copy on disk). */
  photoMaxBytes: number;
}

/** Images are decoded from memory; a larger file is not read at all. */
const IMAGE_MAX_BYTES = 100 * 1024 * 1024;

const mediaPayload = z.object({ versionId: z.string().min(1), tool: z.enum(['raw', 'heif']).optional() });

/** What a job found, and the thumbnail (and full-size preview) to store with it. */
interface Findings {
  outcome: Omit<MediaOutcome, 'thumbnail_version_id' | 'preview_version_id'>;
  thumbnail: Buffer | null;
  preview?: Buffer | null;
}

const nothingKnown = {
  width: null,
  height: null,
  orientation: null,
  duration_ms: null,
  preview_width: null,
  preview_height: null,
  camera: null,
};

const MEDIA_JOB_TIME_LIMIT_MS = 5 * 60_000;

/**
 * Media facts and thumbnails. Each committed image or video version gets a job (queued by
 * MediaQueue); the job reads the file, records its dimensions, orientation and duration, and stores
 * a thumbnail as an encrypted version of its own, which is deleted with the file's version.
 */
export class MediaService implements JobHandler {
  /** Each tool run has its own shorter timeout; this bounds a job that reads a slow store besides. */
  readonly timeLimitMs = MEDIA_JOB_TIME_LIMIT_MS;

  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly files: FileService,
    private readonly video: VideoTools,
    private readonly photos: PhotoTools,
    private readonly options: MediaOptions,
  ) {}

  async run(payload: unknown, signal: AbortSignal): Promise<void> {
    const { versionId, tool } = mediaPayload.parse(payload);
    const media = await this.repos.media.find(versionId);
    // Gone with its version, or settled by an earlier run.
    if (media?.status !== 'pending') return;
    const file = await this.files.openVersion(versionId);
    const findings = tool
      ? await this.photoFindings(file, tool, signal)
      : media.kind === 'image'
        ? await this.image(file)
        : await this.videoFindings(file, signal);
    await this.record(file.version, findings);
  }

  async gaveUp(payload: unknown, error: string): Promise<void> {
    const parsed = mediaPayload.safeParse(payload);
    if (!parsed.success) return;
    await this.repos.media.settle(
      parsed.data.versionId,
      { status: 'failed', ...nothingKnown, thumbnail_version_id: null, preview_version_id: null, error },
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
      preview:
        row.preview_version_id !== null && row.preview_width !== null && row.preview_height !== null
          ? { width: row.preview_width, height: row.preview_height }
          : null,
      camera: row.camera === null ? null : cameraInfo.parse(JSON.parse(row.camera)),
    };
  }

  /**
   * A user's file's thumbnail, opened for reading like a file of its own type. A file whose job has
   * not run yet is `thumbnail_pending`; one that will have none is `thumbnail_unavailable`.
   */
  thumbnail(user: UserRow, itemId: string): Promise<OpenFile> {
    return this.derived(user, itemId, 'thumbnail');
  }

  /** The full-size upright JPEG of a RAW or HEIC file: `preview_pending`, `preview_unavailable`. */
  preview(user: UserRow, itemId: string): Promise<OpenFile> {
    return this.derived(user, itemId, 'preview');
  }

  private async derived(user: UserRow, itemId: string, which: 'thumbnail' | 'preview'): Promise<OpenFile> {
    const item = await this.items.get(user, itemId);
    const media = item.version_id ? await this.repos.media.find(item.version_id) : undefined;
    if (media?.status === 'pending') {
      throw new AppError(404, `${which}_pending`, `The ${which} is being made; ask again in a moment`);
    }
    const versionId = which === 'thumbnail' ? media?.thumbnail_version_id : media?.preview_version_id;
    if (!versionId) throw new AppError(404, `${which}_unavailable`, `This item has no ${which}`);
    const opened = await this.files.openVersion(versionId);
    const [extension, type] = which === 'thumbnail' ? ['webp', THUMBNAIL_TYPE] : ['jpg', PREVIEW_TYPE];
    return { ...opened, item: { ...item, name: `${item.name}.${extension}`, mime_type: type } };
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
        preview_width: null,
        preview_height: null,
        camera: facts.camera ? JSON.stringify(facts.camera) : null,
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
        preview_width: null,
        preview_height: null,
        camera: null,
        error: thumbnail ? null : 'The video has no picture to show',
      },
      thumbnail,
    };
  }

  /**
   * A camera RAW (its largest embedded preview that decodes, turned by the RAW's orientation) or a
   * HEIF image (decoded by libheif), from a decrypted copy in a private directory removed afterwards.
   * A tool that fails or hangs on a file would do so again: that ends the job at once.
   */
  private async photoFindings(
    file: OpenVersion,
    tool: 'raw' | 'heif',
    signal: AbortSignal,
  ): Promise<Findings> {
    if (!(await this.photos.isAvailable(tool))) {
      const program = tool === 'raw' ? 'exiftool' : 'heif-convert';
      return {
        outcome: { status: 'skipped', ...nothingKnown, error: `${program} is not installed` },
        thumbnail: null,
      };
    }
    const max = this.options.photoMaxBytes;
    if (file.version.size > max) {
      throw new UnrecoverableJobError(
        `The file is ${file.version.size} bytes, more than the ${max} previews are made from`,
      );
    }
    return this.photos.inWorkDir(async (dir) => {
      // No extension: exiftool then goes by the file's content alone.
      const copy = path.join(dir, 'photo');
      await this.writeCopy(file, copy);
      try {
        return tool === 'raw'
          ? await this.rawFindings(copy, signal)
          : await this.heifFindings(copy, dir, signal);
      } catch (err) {
        throw err instanceof UnrecoverableJobError ? err : new UnrecoverableJobError((err as Error).message);
      }
    });
  }

  private async rawFindings(copy: string, signal: AbortSignal): Promise<Findings> {
    const facts = await this.photos.describe(copy, signal);
    for (const tag of facts.previews) {
      const embedded = await this.photos.extract(copy, tag, signal);
      // One that does not decode (cut short, a placeholder, too many pixels): the next one may.
      const rendered = await renderPhoto(embedded, facts.orientation, this.options.imageMaxPixels).catch(
        () => null,
      );
      if (rendered) return photoOutcome(facts.camera, facts.orientation, rendered, true);
    }
    const { pixelWidth: width, pixelHeight: height } = facts.camera;
    const sideways = (facts.orientation ?? 1) >= 5;
    return {
      outcome: {
        status: 'ready',
        ...nothingKnown,
        width: sideways ? height : width,
        height: sideways ? width : height,
        orientation: facts.orientation,
        camera: JSON.stringify(facts.camera),
        error: 'The file has no embedded preview that could be read',
      },
      thumbnail: null,
    };
  }

  private async heifFindings(copy: string, dir: string, signal: AbortSignal): Promise<Findings> {
    // Camera facts when exiftool is there too; a HEIC previews without them.
    const facts = (await this.photos.isAvailable('raw'))
      ? await this.photos.describe(copy, signal).catch(() => null)
      : null;
    const decoded = await this.photos.decodeHeif(copy, dir, signal);
    const rendered = await renderPhoto(decoded, null, this.options.imageMaxPixels);
    // The decoded picture is the whole image, upright; exiftool's size is before libheif's turn.
    return photoOutcome(facts?.camera ?? null, null, rendered, false);
  }

  /** The version's plaintext in a file of its own (0600) for a tool to read; the SHA-256 is checked on the way. */
  private async writeCopy(file: OpenVersion, target: string): Promise<void> {
    const handle = await open(target, 'wx', 0o600);
    try {
      for await (const piece of this.files.read(file, 0, file.version.size)) {
        try {
          await handle.write(piece);
        } finally {
          this.files.release(piece);
        }
      }
    } finally {
      await handle.close();
    }
  }

  /** Stores the thumbnail and preview and records the findings in one commit; a version deleted meanwhile takes them with it. */
  private async record(version: FileVersionRow, findings: Findings): Promise<void> {
    const stored: StoredThumbnail[] = [];
    try {
      const thumbnail = findings.thumbnail && (await this.store(version, findings.thumbnail, stored));
      const preview = findings.preview && (await this.store(version, findings.preview, stored));
      await this.repos.transaction(async (r) => {
        const now = Date.now();
        for (const s of stored) await r.versions.markCommitted(s.versionId, s.size, s.sha256);
        const outcome = {
          ...findings.outcome,
          thumbnail_version_id: thumbnail ? thumbnail.versionId : null,
          preview_version_id: preview ? preview.versionId : null,
        };
        if (!(await r.media.settle(version.id, outcome, now)) && stored.length > 0) {
          await r.versions.deleteVersions(
            stored.map((s) => s.versionId),
            now,
          );
        }
      });
    } catch (err) {
      for (const s of stored) await this.files.discardVersion(s.versionId);
      throw err;
    }
  }

  private async store(version: FileVersionRow, bytes: Buffer, stored: StoredThumbnail[]) {
    const one = await storeThumbnail(this.files, version.owner_id, bytes);
    stored.push(one);
    return one;
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

/**
 * A previewed photo's findings: sizes as displayed, the preview, and what the camera recorded. A
 * RAW's preview is often smaller than the picture, so its size as displayed comes from the camera's
 * (`sensorSize`), when known.
 */
function photoOutcome(
  camera: CameraInfo | null,
  orientation: number | null,
  rendered: PhotoPreview,
  sensorSize: boolean,
): Findings {
  const sideways = (orientation ?? 1) >= 5;
  const full = sensorSize && camera?.pixelWidth && camera.pixelHeight ? camera : null;
  return {
    outcome: {
      status: 'ready',
      ...nothingKnown,
      width: full ? (sideways ? full.pixelHeight : full.pixelWidth) : rendered.width,
      height: full ? (sideways ? full.pixelWidth : full.pixelHeight) : rendered.height,
      orientation,
      preview_width: rendered.width,
      preview_height: rendered.height,
      camera: camera ? JSON.stringify(camera) : null,
      error: null,
    },
    thumbnail: rendered.thumbnail,
    preview: rendered.preview,
  };
}
