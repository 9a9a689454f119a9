import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FileVersionList, VersionRetention } from '@idrive/shared';
import { newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const DAY_MS = 86_400_000;
/** The drive's limits in this suite: a week, and five versions per file. */
const DRIVE = { days: 7, count: 5 };

type User = DriveClient & { userId: string; root: string };

/** Retention: the maintenance job lets go of earlier versions past the drive's or the user's limits. */
describeEachDb('version retention', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      dialect,
      env: {
        IDRIVE_VERSION_RETENTION_DAYS: String(DRIVE.days),
        IDRIVE_VERSION_RETENTION_COUNT: String(DRIVE.count),
      },
    });
  });
  afterAll(() => t.close());

  /** A file saved over `saves` times: 1 + saves versions, each a few bytes of its own. */
  async function fileWithVersions(user: User, name: string, saves: number): Promise<string> {
    const file = await user.upload(user.root, name, 'version 0');
    for (let i = 1; i <= saves; i++) {
      const res = await user.request('PUT', `/files/${file.id}/content`, Buffer.from(`version ${i}`));
      expect(res.statusCode).toBe(200);
    }
    return file.id;
  }

  /** The file's versions as the service lists them (sessions may have expired with the clock moved). */
  async function textsOf(user: User, fileId: string): Promise<string[]> {
    const row = (await t.drive.repos.users.findById(user.userId))!;
    const listed = await t.drive.context.versions.list(row, fileId);
    const texts: string[] = [];
    for (const v of listed) {
      const open = await t.drive.context.versions.open(row, fileId, v.id);
      const parts: Buffer[] = [];
      for await (const piece of t.drive.context.files.read(open, 0, open.version.size)) {
        parts.push(Buffer.from(piece));
        t.drive.context.files.release(piece);
      }
      texts.push(Buffer.concat(parts).toString());
    }
    return texts;
  }

  async function setRetention(user: User, days: number | null, count: number | null) {
    return user.request('PUT', '/account/version-retention', { days, count });
  }

  it('keeps at most the drive’s number of versions per file, the newest, the current one included', async () => {
    const user = await newDriveUser(t);
    const fileId = await fileWithVersions(user, 'many.txt', 7);
    const before = await user.request('GET', `/files/${fileId}/versions`);
    expect(before.json<FileVersionList>().versions).toHaveLength(8);
    const dropped = before
      .json<FileVersionList>()
      .versions.slice(DRIVE.count)
      .map((v) => v.id);

    const report = await t.drive.maintenance.run(Date.now());
    expect(report.versionsPruned).toBeGreaterThanOrEqual(3);
    expect(await textsOf(user, fileId)).toEqual([
      'version 7',
      'version 6',
      'version 5',
      'version 4',
      'version 3',
    ]);
    for (const id of dropped) expect(await t.drive.repos.versions.findById(id)).toBeUndefined();
    expect((await t.drive.maintenance.run(Date.now())).versionsPruned).toBe(0);
  });

  it('keeps fewer when the user asks for fewer, and the drive’s limit when theirs is above it', async () => {
    const frugal = await newDriveUser(t);
    const stored = await newDriveUser(t);
    expect((await setRetention(frugal, null, 2)).statusCode).toBe(200);
    // A limit recorded when the drive allowed more (its settings were lowered since).
    await t.drive.repos.users.update(stored.userId, { version_keep_count: 50 });
    const mine = await fileWithVersions(frugal, 'few.txt', 4);
    const theirs = await fileWithVersions(stored, 'capped.txt', 6);

    await t.drive.maintenance.run(Date.now());
    expect(await textsOf(frugal, mine)).toEqual(['version 4', 'version 3']);
    expect(await textsOf(stored, theirs)).toHaveLength(DRIVE.count);
  });

  it('a user’s own days apply to their files only', async () => {
    const quick = await newDriveUser(t);
    const patient = await newDriveUser(t);
    expect((await setRetention(quick, 1, null)).statusCode).toBe(200);
    const fast = await fileWithVersions(quick, 'fast.txt', 1);
    const slow = await fileWithVersions(patient, 'slow.txt', 1);

    await t.drive.maintenance.run(Date.now() + 2 * DAY_MS);
    expect(await textsOf(quick, fast)).toEqual(['version 1']);
    expect(await textsOf(patient, slow)).toEqual(['version 1', 'version 0']);
  });

  it('reads and sets the user’s limits, refusing more than the drive keeps with nothing changed', async () => {
    const user = await newDriveUser(t);
    const read = async () =>
      (await user.request('GET', '/account/version-retention')).json<VersionRetention>();
    expect(await read()).toEqual({ days: null, count: null, drive: DRIVE });

    for (const [days, count] of [
      [DRIVE.days + 1, null],
      [null, DRIVE.count + 1],
    ]) {
      const res = await setRetention(user, days!, count!);
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('bad_request');
    }
    for (const body of [{ days: -1, count: null }, { days: null, count: 0 }, { days: 1.5, count: 2 }, {}]) {
      const res = await user.request('PUT', '/account/version-retention', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await read()).toEqual({ days: null, count: null, drive: DRIVE });

    const set = await setRetention(user, 3, 2);
    expect(set.json<VersionRetention>()).toEqual({ days: 3, count: 2, drive: DRIVE });
    expect(await read()).toEqual({ days: 3, count: 2, drive: DRIVE });
    await setRetention(user, null, null);
    expect(await read()).toEqual({ days: null, count: null, drive: DRIVE });
  });

  it('purging a file from the trash deletes its earlier versions too', async () => {
    const user = await newDriveUser(t);
    const fileId = await fileWithVersions(user, 'binned.txt', 2);
    const ids = (await user.request('GET', `/files/${fileId}/versions`))
      .json<FileVersionList>()
      .versions.map((v) => v.id);
    const keys = (await Promise.all(ids.map((id) => t.drive.repos.versions.chunks(id))))
      .flat()
      .map((c) => c.locator);
    await user.trash(fileId);
    expect((await user.request('POST', '/trash/delete', { ids: [fileId] })).statusCode).toBe(200);
    for (const id of ids) expect(await t.drive.repos.versions.findById(id)).toBeUndefined();
    const queued = (await t.drive.repos.versions.garbage(10_000)).map((g) => g.locator);
    expect(queued).toEqual(expect.arrayContaining(keys));
  });

  // Last: moving the clock past a week also ends every session.
  it('lets go of earlier versions replaced longer ago than the drive keeps them, never the current one', async () => {
    const user = await newDriveUser(t);
    const fileId = await fileWithVersions(user, 'aging.txt', 2);
    await t.drive.maintenance.run(Date.now() + (DRIVE.days - 1) * DAY_MS);
    expect(await textsOf(user, fileId)).toEqual(['version 2', 'version 1', 'version 0']);

    const report = await t.drive.maintenance.run(Date.now() + (DRIVE.days + 1) * DAY_MS);
    expect(report.versionsPruned).toBeGreaterThanOrEqual(2);
    expect(await textsOf(user, fileId)).toEqual(['version 2']);
  });
});

/** The drive's defaults: 30 days and 100 versions. */
describeEachDb('version retention defaults', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  it('keeps a month of versions, up to 100 per file', async () => {
    const user = await newDriveUser(t);
    const res = await user.request('GET', '/account/version-retention');
    expect(res.json<VersionRetention>().drive).toEqual({ days: 30, count: 100 });
    const file = await user.upload(user.root, 'kept.bin', randomBytes(10));
    await user.request('PUT', `/files/${file.id}/content`, Buffer.from('new'));
    expect((await t.drive.maintenance.run(Date.now() + 29 * DAY_MS)).versionsPruned).toBe(0);
    expect((await t.drive.maintenance.run(Date.now() + 31 * DAY_MS)).versionsPruned).toBe(1);
  });
});
