import { toolPreviewOf } from '@idrive/shared/file-kind';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Repositories } from '../repositories/repositories.js';

export const MEDIA_JOB = 'media';
/** A corrupt file fails the same way each time; three attempts cover a store that was briefly away. */
export const MEDIA_JOB_ATTEMPTS = 3;

export type MediaKind = 'image' | 'video';

/**
 * Image types thumbnails are made of: what the bundled libvips decodes, and camera RAW and HEIF
 * (toolPreviewOf), which external programs turn into an image it does. SVG is left out on purpose:
 * rendering a user's SVG on the server buys little and widens what a hostile file can reach.
 */
const IMAGE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
]);

/** Whether a file of this type gets a media job, and which kind. */
export function mediaKindOf(mimeType: string | null): MediaKind | null {
  const type = (mimeType ?? '').split(';')[0]!.trim().toLowerCase();
  if (IMAGE_TYPES.has(type) || toolPreviewOf(type)) return 'image';
  if (type.startsWith('video/')) return 'video';
  return null;
}

/**
 * A media job's payload. `tool` names the external program a RAW or HEIF image needs, decided from
 * the type the file was stored with (its extension, else its first bytes); a version has no type of
 * its own, and its copies keep the one it had.
 */
export function mediaPayload(versionId: string, mimeType: string | null): Record<string, string> {
  const tool = toolPreviewOf(mimeType);
  return tool ? { versionId, tool } : { versionId };
}

/**
 * Queues the media job of a newly committed version, in the commit's transaction: the upload never
 * waits for it, and it cannot be lost or run for a commit that rolled back.
 */
export class MediaQueue {
  constructor(private readonly jobs: JobQueue) {}

  async queue(r: Repositories, versionId: string, mimeType: string): Promise<void> {
    const kind = mediaKindOf(mimeType);
    if (!kind) return;
    await r.media.insertPending(versionId, kind, Date.now());
    await this.jobs.enqueue(
      { kind: MEDIA_JOB, payload: mediaPayload(versionId, mimeType), maxAttempts: MEDIA_JOB_ATTEMPTS },
      r,
    );
  }
}
