import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraInfo, FileInfo } from '@idrive/shared';
import { newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import {
  absurdRaw,
  cameraFile,
  embeddedPreview,
  heicFrom,
  mediaState,
  sidewaysJpeg,
  withOrientation,
} from '../../test/helpers/media-samples.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { PhotoTools } from '../services/photo-tools.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const info = async (c: DriveClient, id: string) =>
  (await c.request('GET', `/files/${id}/info`)).json<FileInfo>();
const get = (c: DriveClient, id: string, what: 'thumbnail' | 'preview', headers = {}) =>
  c.request('GET', `/files/${id}/${what}`, undefined, headers);

/** An image shrunk to 8×8 raw RGB, to compare two encodings of the same picture. */
async function tiny(image: Buffer | Sharp): Promise<Buffer> {
  const pipeline = Buffer.isBuffer(image) ? sharp(image) : image;
  return pipeline.resize(8, 8, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

function meanDifference(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Real camera files (test/fixtures/raw), their embedded preview, and what the camera recorded. */
const PREVIEWED: { name: string; tag: string; camera: Partial<CameraInfo> }[] = [
  {
    name: 'Canon-R6-pruned.CR3',
    tag: 'PreviewImage',
    camera: {
      make: 'Canon',
      model: 'Canon EOS R6',
      lens: 'RF70-200mm F2.8 L IS USM',
      iso: 100,
      exposureTime: 0.25,
      aperture: 25,
      focalLength: 200,
      takenAt: '2021-05-12T12:21:21',
      pixelWidth: 3408,
      pixelHeight: 2272,
    },
  },
  {
    name: 'FujiFilm.raf',
    tag: 'PreviewImage',
    camera: { make: 'FUJIFILM', model: 'FinePix S5Pro', iso: 100, exposureTime: 0.004, aperture: 8 },
  },
  {
    name: 'Panasonic.rw2',
    tag: 'JpgFromRaw',
    camera: {
      make: 'Panasonic',
      model: 'DMC-LX3',
      iso: 80,
      focalLength: 5.1,
      takenAt: '2008-08-06T15:21:56',
    },
  },
  {
    name: 'SigmaDP2.x3f',
    tag: 'JpgFromRaw',
    camera: { make: 'SIGMA', model: 'SIGMA DP2', aperture: 2.8, exposureTime: 0.1, focalLength: 24.2 },
  },
];

describeEachDb('camera RAW and HEIC previews', (dialect) => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof newDriveUser>>;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    user = await newDriveUser(t);
  });
  afterAll(() => t.close());

  it.each(PREVIEWED)(
    '$name: a thumbnail and a full-size preview from its embedded JPEG, and the camera facts',
    async ({ name, tag, camera }) => {
      const bytes = await cameraFile(name);
      const file = await user.upload(user.root, name, bytes);
      expect(errorCode(await get(user, file.id, 'preview'))).toBe('preview_pending');
      expect(await t.drive.jobWorker.drain()).toBe(1);

      const embedded = await embeddedPreview(name, tag);
      const { width, height } = await sharp(embedded).metadata();
      const media = (await info(user, file.id)).media!;
      expect(media).toMatchObject({ kind: 'image', status: 'ready', orientation: 1, thumbnail: true });
      expect(media.preview).toEqual({ width, height });
      expect(media.camera).toMatchObject(camera);

      const preview = await get(user, file.id, 'preview');
      expect(preview.statusCode).toBe(200);
      expect(preview.headers['content-type']).toBe('image/jpeg');
      expect(await sharp(preview.rawPayload).metadata()).toMatchObject({ format: 'jpeg', width, height });
      // The camera's picture, re-encoded: not some other image.
      expect(meanDifference(await tiny(preview.rawPayload), await tiny(embedded))).toBeLessThan(6);
      const etag = preview.headers.etag as string;
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect((await get(user, file.id, 'preview', { 'if-none-match': etag })).statusCode).toBe(304);

      const thumbnail = await get(user, file.id, 'thumbnail');
      const thumb = await sharp(thumbnail.rawPayload).metadata();
      expect(thumb.format).toBe('webp');
      expect(Math.max(thumb.width, thumb.height)).toBe(Math.min(256, Math.max(width!, height!)));
      expect((await user.content(file.id)).equals(bytes)).toBe(true);
    },
  );

  it("turns the preview by the RAW's orientation (the embedded JPEG does not carry it)", async () => {
    const name = 'Canon-R6-pruned.CR3';
    const file = await user.upload(user.root, 'sideways.cr3', withOrientation(await cameraFile(name), 6));
    await t.drive.jobWorker.drain();
    const media = (await info(user, file.id)).media!;
    expect(media).toMatchObject({ orientation: 6, width: 2272, height: 3408 });
    expect(media.preview).toEqual({ width: 1080, height: 1620 });

    const preview = (await get(user, file.id, 'preview')).rawPayload;
    expect(await sharp(preview).metadata()).toMatchObject({ width: 1080, height: 1620 });
    const turned = sharp(await embeddedPreview(name, 'PreviewImage')).rotate(90);
    expect(meanDifference(await tiny(preview), await tiny(turned))).toBeLessThan(6);
    const thumb = await sharp((await get(user, file.id, 'thumbnail')).rawPayload).metadata();
    expect(thumb).toMatchObject({ width: 171, height: 256 });
  });

  it('reads the camera facts of RAW files whose previews were stripped, and says there is no preview', async () => {
    const cases: [string, Partial<CameraInfo>, number | null][] = [
      ['CanonRaw.cr2', { make: 'Canon', model: 'Canon EOS 350D DIGITAL', iso: 400, aperture: 8 }, 1],
      ['Nikon.nef', { model: 'NIKON D70', lens: 'AF-S DX Zoom-Nikkor 18-70mm f/3.5-4.5G IF-ED' }, 1],
      // An iPhone DNG whose preview lies past the end of the (pruned) file.
      ['IMG_1361.dng', { make: 'Apple', model: 'iPhone 12 Pro', iso: 32, pixelWidth: 4032 }, 6],
    ];
    for (const [name, camera, orientation] of cases) {
      const file = await user.upload(user.root, name, await cameraFile(name));
      await t.drive.jobWorker.drain();
      const media = (await info(user, file.id)).media!;
      expect(media, name).toMatchObject({ status: 'ready', thumbnail: false, preview: null, orientation });
      expect(media.camera, name).toMatchObject(camera);
      expect(errorCode(await get(user, file.id, 'preview'))).toBe('preview_unavailable');
      expect(errorCode(await get(user, file.id, 'thumbnail'))).toBe('thumbnail_unavailable');
    }
  });

  it('decodes a HEIC made by libheif, and reads the camera facts of a real one', async () => {
    const source = await sharp(await sidewaysJpeg())
      .rotate()
      .png()
      .toBuffer();
    const heic = await user.upload(user.root, 'phone.heic', await heicFrom(source));
    const stonehenge = await user.upload(user.root, 'Stonehenge.heic', await cameraFile('Stonehenge.heic'));
    expect(await t.drive.jobWorker.drain()).toBe(2);

    const media = (await info(user, heic.id)).media!;
    expect(media).toMatchObject({ status: 'ready', width: 100, height: 300, thumbnail: true });
    expect(media.preview).toEqual({ width: 100, height: 300 });
    const preview = (await get(user, heic.id, 'preview')).rawPayload;
    expect(await sharp(preview).metadata()).toMatchObject({ format: 'jpeg', width: 100, height: 300 });
    expect(meanDifference(await tiny(preview), await tiny(source))).toBeLessThan(12);

    const real = (await info(user, stonehenge.id)).media!;
    expect(real.preview).toEqual({ width: 300, height: 200 });
    expect(real.camera).toMatchObject({ make: 'NIKON CORPORATION', model: 'NIKON D5300', iso: 200 });
  });

  it("deletes a preview's stored version with its file", async () => {
    const file = await user.upload(user.root, 'gone.raf', await cameraFile('FujiFilm.raf'));
    await t.drive.jobWorker.drain();
    const { media } = await mediaState(t, file.id);
    const previewVersion = media!.preview_version_id!;
    expect(await t.drive.repos.versions.findById(previewVersion)).toBeDefined();
    await user.trash(file.id);
    expect((await user.request('POST', '/trash/delete', { ids: [file.id] })).statusCode).toBe(200);
    expect(await t.drive.repos.versions.findById(previewVersion)).toBeUndefined();
  });
});

describe('hostile and broken RAW files', () => {
  const TIMEOUT_S = 20;
  let t: TestApp;
  let user: Awaited<ReturnType<typeof newDriveUser>>;

  beforeAll(async () => {
    t = await startTestApp({
      env: { IDRIVE_RAW_HEIC_TIMEOUT_SECONDS: String(TIMEOUT_S), IDRIVE_RAW_HEIC_MEMORY_MB: '256' },
    });
    user = await newDriveUser(t);
  });
  afterAll(() => t.close());

  it('gives a truncated RAW and headers with absurd sizes no preview, within the timeout, leaving nothing behind', async () => {
    const r6 = await cameraFile('Canon-R6-pruned.CR3');
    // Its 160×120 thumbnail starts at byte 18,288 and its 1620×1080 preview at 102,176.
    const files = {
      'cut-in-thumbnail.cr3': r6.subarray(0, 25_000),
      'past-the-end.dng': await absurdRaw({ length: 0x7fffffff }),
      'jpeg-bomb.dng': await absurdRaw({ claims: 65000 }),
      'cut-in-preview.cr3': r6.subarray(0, 200_000),
    };
    const ids: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files))
      ids[name] = (await user.upload(user.root, name, bytes)).id;

    const started = Date.now();
    expect(await t.drive.jobWorker.drain()).toBe(4);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_S * 1000);
    for (const name of ['cut-in-thumbnail.cr3', 'past-the-end.dng', 'jpeg-bomb.dng']) {
      const id = ids[name]!;
      expect((await info(user, id)).media, name).toMatchObject({
        status: 'ready',
        thumbnail: false,
        preview: null,
      });
      expect((await mediaState(t, id)).media!.error).toBe(
        'The file has no embedded preview that could be read',
      );
      expect(errorCode(await get(user, id, 'preview'))).toBe('preview_unavailable');
      expect(errorCode(await get(user, id, 'thumbnail'))).toBe('thumbnail_unavailable');
    }
    // A 4294967295-pixel side is no camera's: not reported.
    expect((await info(user, ids['jpeg-bomb.dng']!)).media).toMatchObject({ width: null, height: null });
    // Cut inside the large preview, the intact thumbnail before it is what shows.
    expect((await info(user, ids['cut-in-preview.cr3']!)).media!.preview).toEqual({
      width: 160,
      height: 120,
    });

    expect(await readdir(path.join(t.config.dataDir, 'media-work'))).toEqual([]);
    const cut = await user.content(ids['cut-in-thumbnail.cr3']!);
    expect(cut.equals(files['cut-in-thumbnail.cr3'])).toBe(true);
  });

  it('runs exiftool under the memory cap and the timeout it is given', async () => {
    const file = path.join(t.config.dataDir, 'probe.cr3');
    await writeFile(file, await cameraFile('Canon-R6-pruned.CR3'));
    const tools = (memoryMb: number, timeoutMs: number) =>
      new PhotoTools({
        exiftool: 'exiftool',
        heifConvert: 'heif-convert',
        memoryBytes: memoryMb * 1024 * 1024,
        timeoutMs,
        workDir: path.join(t.config.dataDir, 'media-work'),
      });
    // Too little address space even for perl itself: the cap demonstrably applies.
    await expect(tools(8, 30_000).describe(file, AbortSignal.timeout(30_000))).rejects.toThrow(/^exiftool: /);
    const started = Date.now();
    await expect(tools(256, 1).describe(file, AbortSignal.timeout(30_000))).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const facts = await tools(256, 30_000).describe(file, AbortSignal.timeout(30_000));
    expect(facts.previews).toEqual(['PreviewImage', 'ThumbnailImage']);
  });
});

describe('without exiftool and heif-convert', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        IDRIVE_EXIFTOOL_PATH: '/nonexistent/exiftool',
        IDRIVE_HEIF_CONVERT_PATH: '/nonexistent/heif-convert',
      },
    });
  });
  afterAll(() => t.close());

  it('keeps RAW and HEIC files as plain files and says the previewer is missing', async () => {
    const user = await newDriveUser(t);
    const bytes = await cameraFile('FujiFilm.raf');
    const raw = await user.upload(user.root, 'photo.raf', bytes);
    const heic = await user.upload(user.root, 'photo.heic', await cameraFile('Stonehenge.heic'));
    expect(await t.drive.jobWorker.drain()).toBe(2);
    expect((await info(user, raw.id)).media).toMatchObject({
      status: 'skipped',
      thumbnail: false,
      preview: null,
    });
    expect((await mediaState(t, raw.id)).media!.error).toBe('exiftool is not installed');
    expect((await mediaState(t, heic.id)).media!.error).toBe('heif-convert is not installed');
    expect((await user.content(raw.id)).equals(bytes)).toBe(true);
  });
});
