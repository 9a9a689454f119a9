import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Share, ShareListing } from '@idrive/shared';
import { startDiscordApp } from '../helpers/discord.js';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import { png } from '../helpers/media-samples.js';
import type { TestApp } from '../helpers/test-app.js';
import { unzipTest } from '../helpers/zip-check.js';

const MiB = 1024 * 1024;

/** The drive's features behave the same when the bytes live on Discord. */
describe('drive features on the Discord store', { timeout: 300_000 }, () => {
  let t: TestApp;
  let rootId: string;
  let close: () => Promise<void>;
  let admin: DriveClient;

  beforeAll(async () => {
    ({ t, rootId, close } = await startDiscordApp());
    admin = driveClient(t, t.adminToken);
  });
  afterAll(() => close());

  it('a share link streams a multi-chunk file by range and lists its folder', async () => {
    const folder = await admin.mkdir(rootId, 'shared on discord');
    const body = randomBytes(20 * MiB + 123);
    const file = await admin.upload(folder.id, 'video.bin', body);
    const link = (await admin.request('POST', '/shares', { itemId: folder.id })).json<Share>();

    const listing = await t.drive.app.inject({ method: 'GET', url: `/api/v1/s/${link.token}/items` });
    expect(listing.json<ShareListing>().items.map((i) => i.name)).toEqual(['video.bin']);
    const start = 8 * MiB - 10;
    const part = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/s/${link.token}/files/${file.id}/content`,
      headers: { range: `bytes=${start}-${start + 99}` },
    });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(body.subarray(start, start + 100))).toBe(true);
  });

  it('zips a folder stored on Discord, and lists and reads that zip as an archive', async () => {
    const folder = await admin.mkdir(rootId, 'to zip');
    const big = randomBytes(9 * MiB);
    await admin.upload(folder.id, 'big.bin', big);
    await admin.upload(folder.id, 'small.txt', 'small');
    const zip = await admin.request('GET', `/folders/${folder.id}/zip`);
    expect(zip.statusCode).toBe(200);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'discord-zip-'));
    try {
      const file = path.join(dir, 'folder.zip');
      await writeFile(file, zip.rawPayload);
      expect(unzipTest(file).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const stored = await admin.upload(rootId, 'folder.zip', zip.rawPayload);
    const listing = await admin.request('GET', `/files/${stored.id}/archive`);
    expect(listing.json<{ entries: { path: string }[] }>().entries.map((e) => e.path)).toEqual([
      'big.bin',
      'small.txt',
    ]);
    const entry = await admin.request('GET', `/files/${stored.id}/archive/entry?path=big.bin`);
    expect(entry.rawPayload.equals(big)).toBe(true);
  });

  it('makes an image thumbnail, stored on Discord like any chunk', async () => {
    const image = await admin.upload(rootId, 'photo.png', await png(640, 480));
    expect(await t.drive.jobWorker.drain()).toBe(1);
    const thumb = await admin.request('GET', `/files/${image.id}/thumbnail`);
    expect(thumb.statusCode).toBe(200);
    const meta = await sharp(thumb.rawPayload).metadata();
    expect([meta.width, meta.height]).toEqual([256, 192]);
    const row = await t.drive.repos.media.find((await t.drive.repos.items.findById(image.id))!.version_id!);
    const chunks = await t.drive.repos.versions.chunks(row!.thumbnail_version_id!);
    expect(chunks.map((c) => c.store)).toEqual(['discord']);
  });
});
