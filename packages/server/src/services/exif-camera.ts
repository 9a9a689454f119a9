import type { CameraInfo } from '@idrive/shared';
import exifReader from 'exif-reader';

// eslint-disable-next-line no-control-regex -- removing them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

/** A camera's text as shown to people: no control characters, and not more than a line. */
export function cameraText(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  return String(value).replace(CONTROL_CHARS, '').trim().slice(0, 200) || null;
}

function finite(value: unknown): number | null {
  const n = Array.isArray(value) ? value[0] : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/**
 * The camera facts in an image's EXIF block (as sharp hands it over: JPEG, TIFF, WebP, PNG, AVIF),
 * parsed in-process, so a JPEG costs no extra program. Null when there is no block, it does not
 * parse, or it names nothing about a camera (an editor's orientation-only EXIF).
 */
export function cameraFromExif(
  block: Buffer | undefined,
  size: { width: number; height: number },
): CameraInfo | null {
  if (!block) return null;
  let tags;
  try {
    tags = exifReader(block);
  } catch {
    return null;
  }
  const image = tags.Image ?? {};
  const photo = tags.Photo ?? {};
  const taken = photo.DateTimeOriginal;
  const camera = {
    make: cameraText(image.Make),
    model: cameraText(image.Model),
    lens: cameraText(photo.LensModel),
    iso: finite(photo.ISOSpeedRatings),
    exposureTime: finite(photo.ExposureTime),
    aperture: finite(photo.FNumber),
    focalLength: finite(photo.FocalLength),
    // exif-reader reads the camera's zone-less clock as if it were UTC; this gives it back as written.
    takenAt:
      taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken.toISOString().slice(0, 19) : null,
  };
  if (Object.values(camera).every((v) => v === null)) return null;
  return { ...camera, pixelWidth: size.width, pixelHeight: size.height };
}
