import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { TestApp } from './test-app.js';
import { MEDIA_JOB } from '../../src/services/media-queue.js';

const run = promisify(execFile);

/**
 * A JPEG stored 300×100, left half red and right half blue, whose EXIF orientation 6 says "turn me a
 * quarter clockwise": shown upright it is 100×300, red on top.
 */
export async function sidewaysJpeg(): Promise<Buffer> {
  const blue = await sharp({
    create: { width: 150, height: 100, channels: 3, background: { r: 0, g: 0, b: 255 } },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: 300, height: 100, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .composite([{ input: blue, left: 150, top: 0 }])
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 1 } } })
    .png()
    .toBuffer();
}

/** The colour at (x, y) of an encoded image. */
export async function pixel(
  image: Buffer,
  x: number,
  y: number,
): Promise<{ r: number; g: number; b: number }> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return { r: data[at]!, g: data[at + 1]!, b: data[at + 2]! };
}

/**
 * A short test-pattern MP4 made by ffmpeg itself (its index at the end, so reading it needs seeks).
 * `rotate` adds a display rotation the way phones record portrait video.
 */
export async function testVideo(options: { seconds: number; rotate?: number }): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-video-'));
  try {
    const plain = path.join(dir, 'plain.mp4');
    await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', `testsrc=duration=${options.seconds}:size=320x240:rate=10`],
      // Every frame a key frame: a few seconds then fill more than one 64 KiB chunk.
      ...['-pix_fmt', 'yuv420p', '-g', '1', plain],
    ]);
    if (options.rotate === undefined) return await readFile(plain);
    const rotated = path.join(dir, 'rotated.mp4');
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      plain,
      '-c',
      'copy',
      '-metadata:s:v:0',
      `rotate=${options.rotate}`,
      rotated,
    ]);
    return await readFile(rotated);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The media row and the queued job of a file, read from the database. */
export async function mediaState(t: TestApp, itemId: string) {
  const item = await t.drive.repos.items.findById(itemId);
  const versionId = item!.version_id!;
  const jobs = (await t.drive.repos.jobs.list(MEDIA_JOB)).filter(
    (j) => (JSON.parse(j.payload) as { versionId: string }).versionId === versionId,
  );
  return { versionId, media: await t.drive.repos.media.find(versionId), job: jobs[0] };
}
