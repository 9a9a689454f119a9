import { z } from 'zod';

/**
 * What the drive knows about an image or video file. `status`: `pending` until a background job has
 * looked at it; `ready` once it has (with a thumbnail when `thumbnail` is true); `failed` when the
 * file could not be read as media; `skipped` when it was not looked at (video posters turned off).
 */
export const mediaInfo = z.object({
  kind: z.enum(['image', 'video']),
  status: z.enum(['pending', 'ready', 'failed', 'skipped']),
  /** As displayed, after the orientation is applied. */
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** EXIF orientation, 1-8 (a video's rotation as the same numbers). */
  orientation: z.number().int().min(1).max(8).nullable(),
  /** Seconds, for videos. */
  duration: z.number().nullable(),
  /** Whether GET /files/{id}/thumbnail has an image to send. */
  thumbnail: z.boolean(),
});
export type MediaInfo = z.infer<typeof mediaInfo>;
