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

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/raw');

/** A real camera file from test/fixtures/raw (see the README there for where each came from). */
export function cameraFile(name: string): Promise<Buffer> {
  return readFile(path.join(FIXTURES, name));
}

/** The embedded preview exiftool itself extracts from a camera file: what our previews must match. */
export async function embeddedPreview(name: string, tag: string): Promise<Buffer> {
  const { stdout } = await run('exiftool', ['-b', `-${tag}`, path.join(FIXTURES, name)], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout as unknown as Buffer;
}

/**
 * The same file with its TIFF Orientation tag (0x0112, one SHORT) set to `orientation`, as a camera
 * held sideways writes it. The tag must occur exactly once.
 */
export function withOrientation(file: Buffer, orientation: number): Buffer {
  const entry = Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]);
  const at = file.indexOf(entry);
  if (at === -1 || file.indexOf(entry, at + 1) !== -1) throw new Error('no single Orientation tag');
  const turned = Buffer.from(file);
  turned.writeUInt16LE(orientation, at + entry.length);
  return turned;
}

/** A HEIC made from `image` by libheif's own encoder (Debian's heif-enc, x265). */
export async function heicFrom(image: Buffer): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-heic-'));
  try {
    await sharp(image).png().toFile(path.join(dir, 'in.png'));
    await run('heif-enc', ['-q', '90', '-o', path.join(dir, 'out.heic'), path.join(dir, 'in.png')]);
    return await readFile(path.join(dir, 'out.heic'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A TIFF-based RAW header (little-endian, IFD0 then IFD1, as DNG and NEF are) that claims a
 * 4294967295 × 4294967295 picture and embeds a JPEG thumbnail: `length` is what IFD1 says the JPEG
 * takes, and `claims` the size its own header (SOF0) says it has.
 */
export async function absurdRaw(options: { length?: number; claims?: number }): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  if (options.claims !== undefined) {
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(options.claims, sof + 5);
    jpeg.writeUInt16BE(options.claims, sof + 7);
  }
  const entries = (list: [number, number, number, number][]) => {
    const ifd = Buffer.alloc(2 + list.length * 12 + 4);
    ifd.writeUInt16LE(list.length, 0);
    list.forEach(([tag, type, count, value], i) => {
      ifd.writeUInt16LE(tag, 2 + i * 12);
      ifd.writeUInt16LE(type, 4 + i * 12);
      ifd.writeUInt32LE(count, 6 + i * 12);
      ifd.writeUInt32LE(value, 10 + i * 12);
    });
    return ifd;
  };
  const LONG = 4;
  const ASCII = 2;
  const ifd0At = 8;
  const ifd0Size = 2 + 3 * 12 + 4;
  const ifd1At = ifd0At + ifd0Size;
  const ifd1Size = 2 + 2 * 12 + 4;
  const jpegAt = ifd1At + ifd1Size;
  const ifd0 = entries([
    [0x0100, LONG, 1, 0xffffffff],
    [0x0101, LONG, 1, 0xffffffff],
    [0x0110, ASCII, 4, Buffer.from('EOS\0').readUInt32LE(0)],
  ]);
  ifd0.writeUInt32LE(ifd1At, ifd0Size - 4);
  const ifd1 = entries([
    [0x0201, LONG, 1, jpegAt],
    [0x0202, LONG, 1, options.length ?? jpeg.length],
  ]);
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, ifd0At, 0, 0, 0]);
  return Buffer.concat([header, ifd0, ifd1, jpeg]);
}
