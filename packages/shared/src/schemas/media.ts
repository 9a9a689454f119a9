import { z } from 'zod';

/**
 * What the camera recorded about a photo (EXIF), as far as the file says. Every field may be null.
 * `takenAt` is the camera's own clock as written (`2021-05-12T12:21:21`, no zone: cameras rarely
 * record one).
 */
export const cameraInfo = z.object({
  make: z.string().nullable(),
  model: z.string().nullable(),
  lens: z.string().nullable(),
  iso: z.number().nullable(),
  /** Seconds (1/250 s is 0.004). */
  exposureTime: z.number().nullable(),
  /** The f-number (2.8 for f/2.8). */
  aperture: z.number().nullable(),
  /** Millimetres. */
  focalLength: z.number().nullable(),
  takenAt: z.string().nullable(),
  /** The full picture as the sensor recorded it, in pixels (for RAW, larger than its preview). */
  pixelWidth: z.number().int().nullable(),
  pixelHeight: z.number().int().nullable(),
});
export type CameraInfo = z.infer<typeof cameraInfo>;

/**
 * What the drive knows about an image or video file. `status`: `pending` until a background job has
 * looked at it; `ready` once it has (with a thumbnail when `thumbnail` is true); `failed` when the
 * file could not be read as media; `skipped` when it was not looked at (the program that reads its
 * format is turned off or not installed: ffmpeg for videos, exiftool for RAW, heif-convert for HEIC).
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
  /**
   * For formats browsers cannot draw (camera RAW, HEIC): the size of the upright full-size JPEG that
   * GET /files/{id}/preview sends, or null when there is none.
   */
  preview: z.object({ width: z.number().int(), height: z.number().int() }).nullable(),
  /** EXIF camera facts, when the file has any and the drive could read them. */
  camera: cameraInfo.nullable(),
});
export type MediaInfo = z.infer<typeof mediaInfo>;
