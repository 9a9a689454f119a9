import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FileInfo } from '@idrive/shared';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { mediaState, pixel, png, sidewaysJpeg } from '../../test/helpers/media-samples.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { DEFAULT_JOB_QUEUE_OPTIONS } from '../jobs/db-job-queue.js';
import { MEDIA_JOB, MEDIA_JOB_ATTEMPTS } from '../services/media-queue.js';
import { ChunkMissingError } from '../storage/errors.js';

const info = async (c: DriveClient, id: string) =>
  (await c.request('GET', `/files/${id}/info`)).json<FileInfo>();
const thumbnail = (c: DriveClient, id: string, headers: Record<string, string> = {}) =>
  c.request('GET', `/files/${id}/thumbnail`, undefined, headers);

describeEachDb('thumbnails and media facts', (dialect) => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof newDriveUser>>;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    user = await newDriveUser(t);
  });
  afterAll(() => t.close());

  it('turns an EXIF-rotated JPEG upright and reports its size as displayed', async () => {
    const photo = await user.upload(user.root, 'photo.jpg', await sidewaysJpeg());
    // The upload did not wait for the thumbnail.
    const before = await thumbnail(user, photo.id);
    expect(before.statusCode).toBe(404);
    expect(errorCode(before)).toBe('thumbnail_pending');
    expect((await info(user, photo.id)).media).toMatchObject({ status: 'pending', thumbnail: false });

    expect(await t.drive.jobWorker.drain()).toBe(1);
    expect((await info(user, photo.id)).media).toEqual({
      kind: 'image',
      status: 'ready',
      width: 100,
      height: 300,
      orientation: 6,
      duration: null,
      thumbnail: true,
      preview: null,
      // Its EXIF says only which way is up.
      camera: null,
    });
    const res = await thumbnail(user, photo.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.headers['cache-control']).toMatch(/private/);
    const image = await sharp(res.rawPayload).metadata();
    expect(image).toMatchObject({ format: 'webp', height: 256 });
    expect(image.width).toBeLessThan(100);
    // Upright: what was the stored left (red) is now the top, the right (blue) the bottom.
    const top = await pixel(res.rawPayload, Math.floor(image.width / 2), 3);
    const bottom = await pixel(res.rawPayload, Math.floor(image.width / 2), 252);
    expect(top.r).toBeGreaterThan(200);
    expect(top.b).toBeLessThan(60);
    expect(bottom.b).toBeGreaterThan(200);
    expect(bottom.r).toBeLessThan(60);

    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect((await thumbnail(user, photo.id, { 'if-none-match': etag })).statusCode).toBe(304);
  });

  it('reads a PNG, and files sent in a batch (packed) get their media job too', async () => {
    const [result] = await user.batch(user.root, [{ path: 'diagram.png', data: await png(64, 48) }]);
    const id = result!.item!.id;
    await t.drive.jobWorker.drain();
    expect((await info(user, id)).media).toMatchObject({
      status: 'ready',
      width: 64,
      height: 48,
      orientation: null,
    });
    const res = await thumbnail(user, id);
    expect(await sharp(res.rawPayload).metadata()).toMatchObject({ format: 'webp', width: 64, height: 48 });
  });

  it("reads a JPEG's camera facts from its EXIF, in-process", async () => {
    const photo = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#336699' } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'Canon', Model: 'Canon EOS R6' },
        IFD2: {
          ISOSpeedRatings: '400',
          ExposureTime: '1/250',
          FNumber: '28/10',
          FocalLength: '85/1',
          DateTimeOriginal: '2024:06:01 18:30:05',
          LensModel: 'RF85mm F2 MACRO IS STM',
        },
      })
      .toBuffer();
    const file = await user.upload(user.root, 'camera.jpg', photo);
    await t.drive.jobWorker.drain();
    expect((await info(user, file.id)).media).toMatchObject({
      width: 60,
      height: 40,
      preview: null,
      camera: {
        make: 'Canon',
        model: 'Canon EOS R6',
        lens: 'RF85mm F2 MACRO IS STM',
        iso: 400,
        exposureTime: 0.004,
        aperture: 2.8,
        focalLength: 85,
        takenAt: '2024-06-01T18:30:05',
        pixelWidth: 60,
        pixelHeight: 40,
      },
    });
  });

  it('says "unavailable" for files that are not media, and queues nothing for them', async () => {
    const text = await user.upload(user.root, 'notes.txt', 'just words');
    const folder = await user.mkdir(user.root, 'Album');
    for (const id of [text.id, folder.id]) {
      const res = await thumbnail(user, id);
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('thumbnail_unavailable');
    }
    expect((await info(user, text.id)).media).toBeUndefined();
    expect(await mediaState(t, text.id)).toMatchObject({ media: undefined, job: undefined });
  });

  it('retries a corrupt image with backoff, gives up with the error recorded, and keeps the file whole', async () => {
    const bytes = randomBytes(5000);
    const broken = await user.upload(user.root, 'broken.jpg', bytes);
    const { retryBaseMs } = DEFAULT_JOB_QUEUE_OPTIONS;
    let now = Date.now();
    const waits: number[] = [];
    for (let attempt = 1; attempt < MEDIA_JOB_ATTEMPTS; attempt++) {
      expect(await t.drive.jobWorker.drain(now)).toBe(1);
      const { job, media } = await mediaState(t, broken.id);
      expect(job).toMatchObject({ status: 'queued', attempts: attempt });
      expect(job!.last_error).toMatch(/unsupported image format/);
      expect(media?.status).toBe('pending');
      waits.push(job!.run_at - now);
      expect(await t.drive.jobWorker.drain(job!.run_at - 1)).toBe(0);
      now = job!.run_at;
    }
    expect(waits).toEqual([retryBaseMs, 2 * retryBaseMs]);
    expect(await t.drive.jobWorker.drain(now)).toBe(1);
    const { job, media } = await mediaState(t, broken.id);
    expect(job).toMatchObject({ status: 'failed', attempts: MEDIA_JOB_ATTEMPTS });
    expect(job!.last_error).toMatch(/unsupported image format/);
    expect(media).toMatchObject({ status: 'failed', thumbnail_version_id: null });
    expect(media!.error).toMatch(/unsupported image format/);

    const res = await thumbnail(user, broken.id);
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('thumbnail_unavailable');
    expect((await info(user, broken.id)).media).toMatchObject({ status: 'failed', thumbnail: false });
    expect((await user.content(broken.id)).equals(bytes)).toBe(true);
    const next = await user.upload(user.root, 'after.bin', 'still uploading fine');
    expect((await user.content(next.id)).toString()).toBe('still uploading fine');
  });

  it('takes over the job of a worker that died (its lease ran out)', async () => {
    const file = await user.upload(user.root, 'crash.png', await png(20, 10));
    const now = Date.now();
    const { versionId } = await mediaState(t, file.id);
    const crashed = await t.drive.jobQueue.claim([MEDIA_JOB], now);
    expect(crashed?.payload).toEqual({ versionId });

    // While the lease holds, nobody else runs it.
    expect(await t.drive.jobWorker.drain(now + 1000)).toBe(0);
    expect((await info(user, file.id)).media?.status).toBe('pending');

    expect(await t.drive.jobWorker.drain(now + DEFAULT_JOB_QUEUE_OPTIONS.leaseMs)).toBe(1);
    expect((await info(user, file.id)).media).toMatchObject({ status: 'ready', width: 20, height: 10 });
    // The dead worker's late report changes nothing.
    expect(await t.drive.jobQueue.complete(crashed!)).toBe(false);
    expect((await thumbnail(user, file.id)).statusCode).toBe(200);
  });

  it("deletes a thumbnail's stored chunks with its version, on purge and when a replaced version goes, but not while a copy needs it", async () => {
    const store = t.drive.stores.get('local');
    async function thumbnailChunks(itemId: string) {
      const { media } = await mediaState(t, itemId);
      const thumb = media!.thumbnail_version_id!;
      const chunks = await t.drive.repos.versions.chunks(thumb);
      expect(chunks.length).toBeGreaterThan(0);
      for (const c of chunks) await store.get(c.locator!);
      return { thumb, locators: chunks.map((c) => c.locator!) };
    }
    async function expectGone(thumb: { thumb: string; locators: string[] }) {
      for (const locator of thumb.locators) {
        await expect(store.get(locator)).rejects.toBeInstanceOf(ChunkMissingError);
      }
      expect(await t.drive.repos.versions.findById(thumb.thumb)).toBeUndefined();
    }

    const purged = await user.upload(user.root, 'purged.png', await png(30, 30));
    const replaced = await user.upload(user.root, 'replaced.png', await png(40, 30));
    await t.drive.jobWorker.drain();
    const purgedThumb = await thumbnailChunks(purged.id);
    const replacedThumb = await thumbnailChunks(replaced.id);
    const purgedVersion = (await mediaState(t, purged.id)).versionId;

    await user.trash(purged.id);
    expect((await user.request('POST', '/trash/delete', { ids: [purged.id] })).statusCode).toBe(200);
    const replacement = await user.upload(user.root, 'replaced.png', await png(10, 40), '?conflict=replace');
    expect(replacement.id).toBe(replaced.id);
    await t.drive.jobWorker.drain();
    await t.drive.maintenance.run();
    await expectGone(purgedThumb);

    // The replaced version is in the file's history, with its thumbnail, until it is deleted.
    for (const locator of replacedThumb.locators) await store.get(locator);
    const earlier = (await user.request('GET', `/files/${replaced.id}/versions`))
      .json<{
        versions: { id: string; current: boolean }[];
      }>()
      .versions.find((v) => !v.current)!;
    await user.request('DELETE', `/files/${replaced.id}/versions/${earlier.id}`);
    await t.drive.maintenance.run();
    await expectGone(replacedThumb);
    expect(await t.drive.repos.media.find(purgedVersion)).toBeUndefined();
    const res = await thumbnail(user, replaced.id);
    expect(await sharp(res.rawPayload).metadata()).toMatchObject({ width: 10, height: 40 });

    // A copy shares the stored version, thumbnail included: it stays until the last copy goes.
    const original = await user.upload(user.root, 'shared.png', await png(12, 12));
    await t.drive.jobWorker.drain();
    const copy = await user.request('POST', '/items/copy', {
      ids: [original.id],
      parentId: (await user.mkdir(user.root, 'Copies')).id,
    });
    const copyId = copy.json<{ items: { id: string }[] }>().items[0]!.id;
    await user.trash(original.id);
    await user.request('POST', '/trash/delete', { ids: [original.id] });
    await t.drive.maintenance.run();
    expect((await thumbnail(user, copyId)).statusCode).toBe(200);
  });

  it("answers 404 for another user's file, and keeps a locked folder's thumbnails closed until unlocked", async () => {
    const folder = await user.mkdir(user.root, 'Private');
    const photo = await user.upload(folder.id, 'secret.png', await png(16, 16));
    await t.drive.jobWorker.drain();

    const stranger = await newDriveUser(t);
    for (const url of [`/files/${photo.id}/thumbnail`, `/files/${photo.id}/info`]) {
      const res = await stranger.request('GET', url);
      expect(res.statusCode, url).toBe(404);
      expect(errorCode(res)).toBe('not_found');
    }

    const password = 'folder-secret-1';
    expect((await user.request('POST', `/folders/${folder.id}/lock`, { password })).statusCode).toBe(201);
    const username = (await user.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const otherSession = driveClient(t, await t.login(username, 'user-password-1'));
    const closed = await thumbnail(otherSession, photo.id);
    expect(closed.statusCode).toBe(423);
    expect(errorCode(closed)).toBe('locked');
    expect(
      (await otherSession.request('POST', `/folders/${folder.id}/unlock`, { password })).statusCode,
    ).toBe(200);
    expect((await thumbnail(otherSession, photo.id)).statusCode).toBe(200);
  });
});

describeEachDb('thumbnails of images over the pixel limit', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_IMAGE_MAX_PIXELS: '10000' } });
  });
  afterAll(() => t.close());

  it('gives up after one attempt, without decoding the image, and the file is unharmed', async () => {
    const user = await newDriveUser(t);
    const bytes = await png(200, 200);
    const big = await user.upload(user.root, 'huge.png', bytes);
    expect(await t.drive.jobWorker.drain()).toBe(1);
    const { job, media } = await mediaState(t, big.id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(media).toMatchObject({ status: 'failed', thumbnail_version_id: null });
    expect(media!.error).toMatch(/200×200 pixels, more than the 10000/);
    expect(errorCode(await thumbnail(user, big.id))).toBe('thumbnail_unavailable');
    expect((await user.content(big.id)).equals(bytes)).toBe(true);
  });
});
