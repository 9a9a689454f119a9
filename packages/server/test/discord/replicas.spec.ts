import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriveEvent, Item, StorageStatus } from '@idrive/shared';
import { JobWorker } from '../../src/jobs/job-worker.js';
import { MaintenanceSchedule, SCRUB_JOB } from '../../src/services/maintenance-schedule.js';
import { parseLocator } from '../../src/storage/discord/discord-types.js';
import { emulatedDiscord, type EmulatedDiscord } from '../helpers/discord.js';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import { openEventSocket } from '../helpers/event-socket.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';
import { unzipEntry } from '../helpers/zip-check.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const log = pino({ level: 'silent' });

/**
 * A drive on an emulated Discord of three storage channels keeping two copies of everything: once
 * with the scrubber only looking for copies (message reads), once reading every copy back.
 */
describeEachDb('copies on Discord and the scrubber', (dialect) => {
  describe.each([
    { deepPercent: '0', name: 'looking for each copy' },
    { deepPercent: '100', name: 'reading each copy back' },
  ])('$name', ({ deepPercent }) => {
    let discord: EmulatedDiscord;
    let t: TestApp;
    let admin: DriveClient;
    let scrubs: { schedule: MaintenanceSchedule; worker: JobWorker };
    let period = Math.floor(Date.now() / 60_000) + 1;
    let eventsUrl: string;

    beforeAll(async () => {
      discord = await emulatedDiscord({ channels: ['c1', 'c2', 'c3'], webhooksPerChannel: 1, bots: [{}] });
      t = await startTestApp({
        dialect,
        env: { IDRIVE_SCRUB_DEEP_PERCENT: deepPercent },
        overrides: { stores: [discord.store], writeTo: 'discord' },
      });
      admin = driveClient(t, t.adminToken);
      const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
      eventsUrl = `${base.replace('http', 'ws')}/api/v1/events`;
      const schedule = new MaintenanceSchedule(
        t.drive.repos,
        t.drive.jobQueue,
        SCRUB_JOB,
        t.drive.scrub,
        60_000,
        log,
      );
      scrubs = { schedule, worker: new JobWorker(t.drive.jobQueue, { [SCRUB_JOB]: schedule }, log) };
    });
    afterAll(async () => {
      await t.close();
      await discord.close();
    });

    /** One scrub run, as the schedule runs it (so it is recorded for the admin page). */
    async function scrub(): Promise<void> {
      expect(await scrubs.schedule.tick(period++ * 60_000)).toBe(true);
      expect(await scrubs.worker.drain()).toBe(1);
    }

    const status = async () => {
      const res = await admin.request('GET', '/admin/storage');
      expect(res.statusCode).toBe(200);
      return res.json<StorageStatus>();
    };

    /** Each stored object's good copies, by the channel each is in. */
    async function channelsOfCopies(): Promise<string[][]> {
      const rows = await t.drive.repos.copies.dueForCheck(['discord'], 10_000);
      const byObject = new Map<string, string[]>();
      for (const row of rows.filter((r) => r.status === 'ok')) {
        byObject.set(row.locator, [
          ...(byObject.get(row.locator) ?? []),
          parseLocator(row.copy_locator).channelId,
        ]);
      }
      return [...byObject.values()];
    }

    let files: { item: Item; data: Buffer }[];
    let folder: Item;

    it('reports new files short of copies until the scrubber makes the second one, in another channel', async () => {
      const set = await admin.request('PUT', '/admin/storage/replicas', { replicas: 2 });
      expect(set.statusCode).toBe(200);
      expect(set.json<StorageStatus>().copies.replicas).toBe(2);
      const refused = await admin.request('PUT', '/admin/storage/replicas', { replicas: 4 });
      expect(refused.statusCode).toBe(400);
      expect((await status()).copies.replicas).toBe(2);

      const root = await admin.rootId();
      folder = await admin.mkdir(root, 'small');
      const big = randomBytes(20 * 1024 * 1024 + 123);
      files = [{ item: await admin.upload(root, 'big.bin', big), data: big }];
      const small = Array.from({ length: 5 }, (_, i) => ({
        path: `s${i}.txt`,
        data: randomBytes(5_000 + i),
      }));
      const packed = await admin.batch(folder.id, small);
      files.push(...packed.map((r, i) => ({ item: r.item!, data: small[i]!.data })));

      const before = (await status()).copies;
      expect(before.filesSingle).toBe(files.length);
      expect(before.objectsShort).toBe(before.objects);
      expect(before.atRisk.map((f) => f.path).sort()).toEqual(
        ['/big.bin', ...small.map((f) => `/small/${f.path}`)].sort(),
      );
      expect(before.atRisk.every((f) => f.owner === 'admin' && f.goodCopies === 1)).toBe(true);

      await scrub();
      const after = (await status()).copies;
      expect(after).toMatchObject({ replicas: 2, places: 3, objectsShort: 0, filesSingle: 0, filesLost: 0 });
      expect(after.copies).toBe(2 * after.objects);
      expect(after.scrub.last).toMatchObject({ added: after.objects, failed: 0 });
      for (const channels of await channelsOfCopies()) {
        expect(channels).toHaveLength(2);
        expect(new Set(channels).size).toBe(2);
      }
    });

    it('serves every file while one channel has lost every message, and the scrubber restores the copies', async () => {
      const copies = await channelsOfCopies();
      // The channel of the pack the chunk records name: reads of the small files (and the zip's
      // pack reads) must turn to the other copy.
      const packVersion = (await t.drive.repos.items.findById(files[1]!.item.id))!.version_id!;
      const [packed] = await t.drive.repos.versions.chunks(packVersion);
      const purged = parseLocator(packed!.locator!).channelId;
      expect(discord.emulator.control.purgeChannel(purged)).toBeGreaterThan(0);

      for (const { item, data } of files) expect(sha256(await admin.content(item.id))).toBe(sha256(data));
      const ranged = await admin.request('GET', `/files/${files[0]!.item.id}/content`, undefined, {
        range: 'bytes=9000000-9000099',
      });
      expect(ranged.statusCode).toBe(206);
      expect(ranged.rawPayload.equals(files[0]!.data.subarray(9_000_000, 9_000_100))).toBe(true);
      const zip = await admin.request('GET', `/folders/${folder.id}/zip`);
      expect(zip.statusCode).toBe(200);
      const zipFile = path.join(t.dataDir, 'small.zip');
      await writeFile(zipFile, zip.rawPayload);
      for (const { item, data } of files.slice(1)) {
        expect(sha256(unzipEntry(zipFile, item.name))).toBe(sha256(data));
      }

      const lost = copies.filter((channels) => channels.includes(purged)).length;
      const events = await openEventSocket(eventsUrl, bearer(t.adminToken));
      await scrub();
      const told = await events.waitFor(
        (e: DriveEvent): e is Extract<DriveEvent, { type: 'storage.health' }> =>
          e.type === 'storage.health' && e.storage.copies.scrub.last?.repaired === lost,
      );
      expect(told.storage.copies).toMatchObject({ objectsShort: 0, filesSingle: 0 });
      await events.close();
      const after = (await status()).copies;
      expect(after).toMatchObject({ objectsShort: 0, objectsLost: 0, filesSingle: 0, filesLost: 0 });
      expect(after.copies).toBe(2 * after.objects);
      expect(after.scrub.last!.repaired).toBe(lost);
      expect(after.scrub.week.repaired).toBe(lost);
      expect(after.scrub.lastRunAt).not.toBeNull();
      // Each new copy is in a channel other than the survivor's.
      for (const channels of await channelsOfCopies()) expect(new Set(channels).size).toBe(2);
    });

    if (deepPercent === '100') {
      it('finds a damaged copy by reading it back, replaces it, and reads round a damaged copy', async () => {
        const big = files[0]!;
        const versionId = (await t.drive.repos.items.findById(big.item.id))!.version_id!;
        const [chunk] = await t.drive.repos.versions.chunks(versionId);
        const copies = await t.drive.repos.copies.of({ store: 'discord', locator: chunk!.locator! });
        const other = copies.find((c) => c.copy_locator !== chunk!.locator)!;
        discord.emulator.control.corruptAttachment(parseLocator(other.copy_locator).attachmentId);

        await scrub();
        const report = (await status()).copies.scrub.last!;
        expect(report).toMatchObject({ damaged: 1, repaired: 1, failed: 0 });
        const now = await t.drive.repos.copies.of({ store: 'discord', locator: chunk!.locator! });
        expect(now.map((c) => c.copy_locator)).not.toContain(other.copy_locator);
        expect(now.filter((c) => c.status === 'ok')).toHaveLength(2);

        // The copy the chunk's record names, damaged: the read opens the other one instead.
        discord.emulator.control.corruptAttachment(parseLocator(chunk!.locator!).attachmentId);
        expect(sha256(await admin.content(big.item.id))).toBe(sha256(big.data));
        const marked = await t.drive.repos.copies.of({ store: 'discord', locator: chunk!.locator! });
        expect(marked.find((c) => c.copy_locator === chunk!.locator)?.status).toBe('damaged');
        await scrub();
        const [renamed] = await t.drive.repos.versions.chunks(versionId);
        expect(renamed!.locator).not.toBe(chunk!.locator);
        expect(sha256(await admin.content(big.item.id))).toBe(sha256(big.data));
        expect((await status()).copies).toMatchObject({ objectsShort: 0, filesSingle: 0 });
      });
    }

    it('removes the extra copies when fewer are kept, and every copy with its file', async () => {
      expect((await admin.request('PUT', '/admin/storage/replicas', { replicas: 1 })).statusCode).toBe(200);
      await scrub();
      const one = (await status()).copies;
      expect(one).toMatchObject({ replicas: 1, objectsShort: 0, filesSingle: 0, filesLost: 0 });
      expect(one.copies).toBe(one.objects);
      expect(one.scrub.last!.removed).toBe(one.objects);
      // What the collector deletes from Discord: one message per removed copy.
      await t.drive.maintenance.run(Date.now() + 120_000);
      const messages = () => discord.emulator.control.stats().messages;
      const left = messages();

      await admin.trash(...files.map((f) => f.item.id));
      expect((await admin.request('DELETE', '/trash')).statusCode).toBe(200);
      const report = await t.drive.maintenance.run(Date.now() + 120_000);
      expect(report.chunkDeletesFailed).toBe(0);
      expect(await t.drive.repos.copies.count(['discord'])).toBe(0);
      expect(messages()).toBeLessThan(left);
      expect(messages()).toBe(0);
    });
  });
});
