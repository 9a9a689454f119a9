import sharp from 'sharp';
import { UnrecoverableJobError } from '../jobs/job-queue.js';

import { THUMBNAIL_SIZE } from './thumbnail-store.js';

// One libvips thread: thumbnails are background work on a small machine, and requests come first.
sharp.concurrency(1);
// Each image is seen once; a cache would only hold memory.
sharp.cache(false);

export interface ImageFacts {
  /** As displayed: after the EXIF orientation is applied. */
  width: number;
  height: number;
  /** EXIF orientation (1-8), when the file has one. */
  orientation: number | null;
  /** WebP, upright, at most THUMBNAIL_SIZE on its longest side. */
  thumbnail: Buffer;
}

/**
 * Reads an image's size and orientation and makes its thumbnail. An image of more than `maxPixels`
 * is refused before it is decoded (a small file can claim a huge canvas), and libvips is told the
 * same limit as a second guard.
 */
export async function describeImage(input: Buffer, maxPixels: number): Promise<ImageFacts> {
  // Only the header is read here, so the limit is checked (with a clear message) before decoding.
  const meta = await sharp(input, { limitInputPixels: false }).metadata();
  if (!meta.width || !meta.height) throw new Error('The image has no dimensions');
  if (meta.width * meta.height > maxPixels) {
    throw new UnrecoverableJobError(
      `The image is ${meta.width}×${meta.height} pixels, more than the ${maxPixels} thumbnails are made from`,
    );
  }
  const shown = meta.autoOrient ?? { width: meta.width, height: meta.height };
  const thumbnail = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  return { width: shown.width, height: shown.height, orientation: meta.orientation ?? null, thumbnail };
}
