import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawItem, rawUser } from '../../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, type TestDb } from '../../../test/helpers/test-db.js';
import { Repositories } from '../../repositories/repositories.js';
import { MEDIA_JOB } from '../../services/media-queue.js';
import { queueStoredMedia } from './0006-media.js';

describeEachDb('media migration', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb(dialect);
  });
  afterAll(() => db.drop());

  it('queues one job per image (RAW and HEIC included) or video version stored before it, and none twice', async () => {
    const repos = new Repositories(db);
    const now = Date.now();
    const owner = randomUUID();
    await db.db
      .insertInto('users')
      .values(rawUser(owner, randomUUID(), now))
      .execute();
    async function file(name: string, mimeType: string, versionId = randomUUID()) {
      await db.db
        .insertInto('file_versions')
        .values({
          id: versionId,
          owner_id: owner,
          status: 'committed',
          size: 1,
          sha256: null,
          wrapped_key: 'k',
          format: 1,
          chunk_size: 65536,
          segment_size: 65536,
          created_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await db.db
        .insertInto('items')
        .values(
          rawItem(
            { id: randomUUID(), ownerId: owner, parentId: null, name, versionId, size: 1, mimeType },
            now,
          ),
        )
        .execute();
      return versionId;
    }
    const photo = await file('a.jpg', 'image/jpeg');
    const text = await file('b.txt', 'text/plain');
    // A copy shares its version: one job for both.
    const movie = await file('c.mp4', 'video/mp4');
    await file('c copy.mp4', 'video/mp4', movie);
    // Stored before RAW previews, typed by its first bytes: its job names the tool it needs.
    const raw = await file('IMG_1.CR3', 'image/x-canon-cr3');
    const done = await file('d.png', 'image/png');
    await repos.media.insertPending(done, 'image', now);

    await queueStoredMedia(db.db as unknown as Kysely<unknown>);

    const jobs = (await repos.jobs.list(MEDIA_JOB)).map(
      (j) => JSON.parse(j.payload) as { versionId: string },
    );
    expect(jobs.map((j) => j.versionId).sort()).toEqual([photo, movie, raw].sort());
    expect(jobs.find((j) => j.versionId === raw)).toEqual({ versionId: raw, tool: 'raw' });
    expect(jobs.find((j) => j.versionId === photo)).toEqual({ versionId: photo });
    expect(await repos.media.find(photo)).toMatchObject({ kind: 'image', status: 'pending' });
    expect(await repos.media.find(movie)).toMatchObject({ kind: 'video', status: 'pending' });
    expect(await repos.media.find(text)).toBeUndefined();

    // Running it again finds nothing left to queue.
    await queueStoredMedia(db.db as unknown as Kysely<unknown>);
    expect(await repos.jobs.list(MEDIA_JOB)).toHaveLength(3);
  });
});
