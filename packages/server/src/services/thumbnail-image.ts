import type { CameraInfo } from '@idrive/shared';
import sharp, { type Sharp } from 'sharp';
import { UnrecoverableJobError } from '../jobs/job-queue.js';
import { cameraFromExif } from './exif-camera.js';

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
  camera: CameraInfo | null;
}

export interface PhotoPreview {
  /** The preview's size, upright. */
  width: number;
  height: number;
  /** The whole picture, upright, as JPEG. */
  preview: Buffer;
  thumbnail: Buffer;
}

/**
 * The turn and the mirror that show a picture stored with this EXIF orientation upright, as sharp
 * applies them (it mirrors before it turns): what its autorotate does with a file's own orientation.
 */
const UPRIGHT: Record<number, { angle: number; flop: boolean }> = {
  1: { angle: 0, flop: false },
  2: { angle: 0, flop: true },
  3: { angle: 180, flop: false },
  4: { angle: 180, flop: true },
  5: { angle: 270, flop: true },
  6: { angle: 90, flop: false },
  7: { angle: 90, flop: true },
  8: { angle: 270, flop: false },
};

/**
 * Reads only the header, so an image of more than `maxPixels` is refused (with a clear message)
 * before it is decoded: a small file can claim a huge canvas.
 */
async function checkedHeader(input: Buffer, maxPixels: number) {
  const meta = await sharp(input, { limitInputPixels: false }).metadata();
  if (!meta.width || !meta.height) throw new Error('The image has no dimensions');
  if (meta.width * meta.height > maxPixels) {
    throw new UnrecoverableJobError(
      `The image is ${meta.width}×${meta.height} pixels, more than the ${maxPixels} thumbnails are made from`,
    );
  }
  return meta;
}

function thumbnailOf(image: Sharp): Promise<Buffer> {
  return image
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
}

/**
 * Reads an image's size and orientation and makes its thumbnail. libvips is told the pixel limit
 * as well, as a second guard.
 */
export async function describeImage(input: Buffer, maxPixels: number): Promise<ImageFacts> {
  const meta = await checkedHeader(input, maxPixels);
  const shown = meta.autoOrient ?? { width: meta.width, height: meta.height };
  const thumbnail = await thumbnailOf(
    sharp(input, { limitInputPixels: maxPixels, failOn: 'error' }).rotate(),
  );
  return {
    width: shown.width,
    height: shown.height,
    orientation: meta.orientation ?? null,
    thumbnail,
    camera: cameraFromExif(meta.exif, { width: meta.width, height: meta.height }),
  };
}

/**
 * A full-size upright JPEG and a thumbnail from a picture a tool produced (a RAW's embedded preview,
 * a decoded HEIC). `orientation` is the source file's: the picture's own EXIF, if any, is ignored,
 * since a RAW's preview does not carry the RAW's and a decoded HEIC is already turned.
 */
export async function renderPhoto(
  input: Buffer,
  orientation: number | null,
  maxPixels: number,
): Promise<PhotoPreview> {
  const meta = await checkedHeader(input, maxPixels);
  const { angle, flop } = UPRIGHT[orientation ?? 1] ?? UPRIGHT[1]!;
  let image = sharp(input, { limitInputPixels: maxPixels, failOn: 'error' });
  if (angle) image = image.rotate(angle);
  if (flop) image = image.flop();
  const [preview, thumbnail] = await Promise.all([
    image.clone().jpeg({ quality: 88 }).toBuffer(),
    thumbnailOf(image.clone()),
  ]);
  const sideways = angle === 90 || angle === 270;
  return {
    width: sideways ? meta.height : meta.width,
    height: sideways ? meta.width : meta.height,
    preview,
    thumbnail,
  };
}
