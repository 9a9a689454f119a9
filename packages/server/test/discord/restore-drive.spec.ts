import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, PublicShare, Share, SharedWithMeListing, Tag } from '@idrive/shared';
import { restore, type RestoreReport } from '../../src/restore/restore.js';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import { snapshotOf, type DriveSnapshot } from '../helpers/drive-snapshot.js';
import {
  emulatedGuild,
  newDriveHome,
  startJournaledDrive,
  startRestored,
  type EmulatedGuild,
  type DriveHome,
} from '../helpers/journaled-drive.js';
import { Pattern } from '../helpers/pattern.js';
import { bearer, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

const MiB = 1024 * 1024;
const PASSWORD = 'user-password-1';
const LOCK_PASSWORD = 'folder-secret-1';
const SHARE_PASSWORD = 'share-secret-1';
const CHECKPOINT_RECORDS = 1500;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** What the drive was made with: each file's content by owner and path, the users, the links. */
interface Made {
  files: Map<string, { sha256: string; size: number }>;
  big: Pattern;
  shares: { open: Share; guarded: Share; limited: Share };
  lockedId: string;
  /** A folder of alice's shared with bob, who may only read it. */
  sharedWithBob: string;
}

/**
 * A drive with 200 files: small ones batch-uploaded (and so packed) into nested folders, others one
 * by one, a few of several chunks and one of 200 MiB; a file saved over three times, a locked folder,
 * share links (open, with a password, with a download limit), tags, stars and something in the trash,
 * for three users with different permissions.
 */
async function makeDrive(t: TestApp): Promise<Made> {
  const files = new Map<string, { sha256: string; size: number }>();
  const admin = driveClient(t, t.adminToken);
  const alice = driveClient(t, (await t.createUser(['upload', 'delete', 'share'], 'alice')).token);
  const bob = driveClient(t, (await t.createUser(['upload'], 'bob')).token);
  const put = async (
    who: string,
    c: DriveClient,
    folderId: string,
    path: string,
    data: Buffer,
    query = '',
  ) => {
    const item = await c.upload(folderId, path.split('/').pop()!, data, query);
    files.set(`${who}:${path}`, { sha256: sha(data), size: data.length });
    return item;
  };

  const aliceRoot = await alice.rootId();
  for (let b = 0; b < 3; b++) {
    const batch = Array.from({ length: 50 }, (_, n) => ({
      path: `photos/${2022 + b}/${String((n % 4) + 1).padStart(2, '0')}/img-${n}.jpg`,
      data: randomBytes(1_000 + n * 37),
    }));
    const results = await alice.batch(aliceRoot, batch);
    expect(results.every((r) => 'item' in r)).toBe(true);
    for (const f of batch) files.set(`alice:${f.path}`, { sha256: sha(f.data), size: f.data.length });
  }
  const docs = await alice.mkdir(aliceRoot, 'docs');
  const a = await alice.mkdir(docs.id, 'a');
  const ab = await alice.mkdir(a.id, 'b');
  const abc = await alice.mkdir(ab.id, 'c');
  const folders: [Item, string][] = [
    [docs, 'docs'],
    [a, 'docs/a'],
    [ab, 'docs/a/b'],
    [abc, 'docs/a/b/c'],
  ];
  const notes: Item[] = [];
  for (let i = 0; i < 30; i++) {
    const [folder, at] = folders[i % 4]!;
    notes.push(await put('alice', alice, folder.id, `${at}/note-${i}.txt`, randomBytes((i + 1) * 9_000)));
  }
  for (let i = 0; i < 6; i++) {
    await put('alice', alice, docs.id, `docs/scan-${i}.pdf`, randomBytes(Math.round((1.5 + i * 0.3) * MiB)));
  }
  let report: Item | undefined;
  for (let v = 1; v <= 4; v++) {
    report = await put(
      'alice',
      alice,
      docs.id,
      'docs/report.txt',
      Buffer.from(`report, draft ${v}\n`.repeat(v * 100)),
      '?conflict=replace',
    );
  }
  const big = new Pattern('a drive rebuilt from Discord', 200 * MiB);
  const video = await t.drive.app.inject({
    method: 'PUT',
    url: `/api/v1/folders/${aliceRoot}/files/video.bin`,
    headers: {
      ...bearer(alice.token),
      'content-type': 'application/octet-stream',
      'content-length': String(big.size),
    },
    payload: Readable.from(big.pieces()),
  });
  expect(video.statusCode, video.body).toBe(201);

  const locked = await alice.mkdir(aliceRoot, 'Private');
  for (let i = 0; i < 5; i++)
    await put('alice', alice, locked.id, `Private/secret-${i}.txt`, randomBytes(2_000 + i));
  expect(
    (await alice.request('POST', `/folders/${locked.id}/lock`, { password: LOCK_PASSWORD })).statusCode,
  ).toBe(201);

  const tag = async (name: string) => (await alice.request('POST', '/tags', { name })).json<Tag>();
  const work = await tag('work');
  const family = await tag('family');
  const photos = await alice.at('photos');
  expect(
    (await alice.request('POST', '/items/tags', { ids: [docs.id, report!.id], add: [work.id] })).statusCode,
  ).toBe(200);
  expect(
    (await alice.request('POST', '/items/tags', { ids: [photos.id, report!.id], add: [family.id] }))
      .statusCode,
  ).toBe(200);
  expect((await alice.request('POST', '/items/star', { ids: [report!.id, photos.id] })).statusCode).toBe(200);
  await alice.trash(notes[0]!.id);

  const share = async (body: object) => {
    const res = await alice.request('POST', '/shares', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Share>();
  };
  const shares = {
    open: await share({ itemId: docs.id }),
    guarded: await share({ itemId: report!.id, password: SHARE_PASSWORD }),
    limited: await share({ itemId: notes[1]!.id, maxDownloads: 3 }),
  };
  const once = await t.drive.app.inject({
    method: 'GET',
    url: `/api/v1/s/${shares.limited.token}/files/${notes[1]!.id}/content`,
  });
  expect(once.statusCode).toBe(200);

  const bobId = (await bob.request('GET', '/auth/me')).json<{ user: { id: string } }>().user.id;
  const granted = await alice.request('PUT', `/items/${docs.id}/access`, { userId: bobId, role: 'viewer' });
  expect(granted.statusCode).toBe(200);

  const adminRoot = await admin.rootId();
  for (let i = 0; i < 4; i++)
    await put('admin', admin, adminRoot, `admin-${i}.bin`, randomBytes(5_000 * (i + 1)));
  const bobRoot = await bob.rootId();
  const bobs = await bob.mkdir(bobRoot, 'mine');
  for (let i = 0; i < 3; i++) await put('bob', bob, bobs.id, `mine/b-${i}.txt`, randomBytes(700 + i));

  files.set('alice:video.bin', { sha256: big.sha256(), size: big.size });
  return { files, big, shares, lockedId: locked.id, sharedWithBob: docs.id };
}

/**
 * Ends with changes made after the newest checkpoint, so that the restore replays journal records
 * after it: when the records since are close to the checkpoint threshold, a few folders first cross
 * it (and a checkpoint follows), then one more folder is left in the journal alone.
 */
async function lastChangesInTheJournal(t: TestApp): Promise<void> {
  const journal = t.drive.journal!;
  const admin = driveClient(t, t.adminToken);
  const root = await admin.rootId();
  for (let n = 0; ; n++) {
    await journal.flush(120_000);
    const { state, head } = await journal.progress();
    if (head - state.checkpoint_through! < CHECKPOINT_RECORDS - 100) break;
    await admin.mkdir(root, `before the last checkpoint ${n}`);
  }
  await admin.mkdir(root, 'after the last checkpoint');
}

const users = ['admin', 'alice', 'bob'] as const;

async function signIn(t: TestApp, user: (typeof users)[number]): Promise<DriveClient> {
  return driveClient(t, user === 'admin' ? t.adminToken : await t.login(user, PASSWORD));
}

async function snapshots(t: TestApp): Promise<Record<string, DriveSnapshot>> {
  const out: Record<string, DriveSnapshot> = {};
  for (const user of users) {
    const c = await signIn(t, user);
    out[user] = await snapshotOf(c, async (id) => {
      expect((await c.request('POST', `/folders/${id}/unlock`, { password: LOCK_PASSWORD })).statusCode).toBe(
        200,
      );
    });
  }
  return out;
}

describeEachDb('a drive rebuilt from its control channel on Discord', (dialect) => {
  let guild: EmulatedGuild;
  let target: DriveHome;
  let restored: TestApp;
  let made: Made;
  let before: Record<string, DriveSnapshot>;
  let report: RestoreReport;

  beforeAll(async () => {
    guild = await emulatedGuild({ timeScale: 20 });
    // The journal is written in the background as the drive is used, with a checkpoint every 1,500
    // records, so the restore reads a checkpoint and the journal after it.
    const original = await startJournaledDrive(guild, {
      dialect,
      env: { IDRIVE_CHECKPOINT_RECORDS: String(CHECKPOINT_RECORDS) },
      overrides: { journal: true },
    });
    try {
      made = await makeDrive(original);
      await lastChangesInTheJournal(original);
      before = await snapshots(original);
      await original.drive.journal!.flush(120_000);
    } finally {
      // Its data directory and database go with it.
      await original.close();
    }
    target = await newDriveHome(guild, dialect);
    report = await restore({
      config: target.config,
      botToken: guild.seeded.bots[0]!.token,
      guildId: guild.seeded.guild.id,
      scan: false,
      log: pino({ level: 'silent' }),
    });
    restored = await startRestored(guild, target);
  }, 600_000);

  afterAll(async () => {
    await restored?.close();
    await target?.drop();
    if (target) await rm(target.dataDir, { recursive: true, force: true });
    await guild?.close();
  });

  it(
    'brings back every file and folder: path, name, size, type, times, tags, stars, versions and the trash',
    { timeout: 120_000 },
    async () => {
      const after = await snapshots(restored);
      for (const user of users) expect(after[user]).toEqual(before[user]);
      const files = users.flatMap((u) =>
        after[u]!.entries.filter((e) => e.type === 'file').map((e) => `${u}:${e.path}`),
      );
      expect(files.length + 1).toBe(made.files.size); // one note is in the trash
      expect(report.counts.users).toBe(3);
      expect(report.problems).toEqual([]);
      expect(report.checkpointThrough).toBeGreaterThan(0);
      expect(report.segments).toBeGreaterThan(0);
      expect(report.journalThrough).toBeGreaterThan(report.checkpointThrough);
    },
  );

  it('serves every file with the SHA-256 of what was uploaded', { timeout: 300_000 }, async () => {
    for (const user of users) {
      const c = await signIn(restored, user);
      if (user === 'alice')
        await c.request('POST', `/folders/${made.lockedId}/unlock`, { password: LOCK_PASSWORD });
      for (const [key, expected] of made.files) {
        const [owner, path] = key.split(':') as [string, string];
        if (owner !== user || path === 'docs/note-0.txt') continue;
        const content = await c.content((await c.at(path)).id);
        expect({ path, size: content.length, sha256: sha(content) }).toEqual({ path, ...expected });
      }
    }
  });

  it('signs users in with their passwords and keeps their permissions', async () => {
    const wrong = await restored.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'alice', password: 'not-her-password', bearer: true },
    });
    expect(wrong.statusCode).toBe(401);
    const bob = await signIn(restored, 'bob');
    const refused = await bob.request('POST', '/shares', { itemId: await bob.rootId() });
    expect(refused.statusCode).toBe(403);
  });

  it('keeps what alice shared with bob: he sees it in Shared with me, reads it, and may not change it', async () => {
    const bob = await signIn(restored, 'bob');
    const shared = await bob.request('GET', '/shared-with-me');
    expect(shared.json<SharedWithMeListing>().items.map((i) => i.id)).toEqual([made.sharedWithBob]);
    expect((await bob.list(made.sharedWithBob)).items.length).toBeGreaterThan(0);
    const rename = await bob.request('PATCH', `/items/${made.sharedWithBob}`, { name: 'mine now' });
    expect(rename.statusCode).toBe(403);
  });

  it('keeps the locked folder closed until its password opens it', async () => {
    const alice = await signIn(restored, 'alice');
    expect((await alice.request('GET', `/folders/${made.lockedId}/children`)).statusCode).toBe(423);
    expect(
      (await alice.request('POST', `/folders/${made.lockedId}/unlock`, { password: 'guess' })).statusCode,
    ).toBe(403);
    expect(
      (await alice.request('POST', `/folders/${made.lockedId}/unlock`, { password: LOCK_PASSWORD }))
        .statusCode,
    ).toBe(200);
    expect((await alice.list(made.lockedId)).items.map((i) => i.name)).toHaveLength(5);
  });

  it('answers the same share links: the open one, the one with a password, the one with a limit', async () => {
    const visit = (
      url: string,
      options: { method?: 'GET' | 'POST'; payload?: object; headers?: Record<string, string> } = {},
    ) => restored.drive.app.inject({ method: options.method ?? 'GET', url: `/api/v1/s/${url}`, ...options });
    expect((await visit(made.shares.open.token)).json<PublicShare>()).toMatchObject({
      item: { name: 'docs' },
    });

    const guarded = made.shares.guarded;
    expect((await visit(`${guarded.token}/files/${guarded.itemId}/content`)).statusCode).toBe(401);
    const access = await visit(`${guarded.token}/access`, {
      method: 'POST',
      payload: { password: SHARE_PASSWORD },
    });
    const token = access.json<{ accessToken: string }>().accessToken;
    const content = await visit(`${guarded.token}/files/${guarded.itemId}/content`, {
      headers: { 'x-share-access': token },
    });
    expect(content.body).toContain('report, draft 4');

    const limited = made.shares.limited;
    const download = () => visit(`${limited.token}/files/${limited.itemId}/content`);
    expect((await download()).statusCode).toBe(200);
    expect((await download()).statusCode).toBe(200);
    expect((await download()).statusCode).not.toBe(200);
  });

  it('goes on journaling: a checkpoint of its own first, then new changes after what the channel holds', async () => {
    const journal = restored.drive.journal!;
    await journal.flush();
    const first = await journal.progress();
    expect(first.state.checkpoint_through).toBeGreaterThanOrEqual(report.journalThrough);
    expect(first.state.superblock_message_id).not.toBeNull();
    const admin = driveClient(restored, restored.adminToken);
    await admin.mkdir(await admin.rootId(), 'after the restore');
    await journal.flush();
    const next = await journal.progress();
    expect(next.state.written_through).toBe(next.head);
    expect(next.head).toBeGreaterThan(first.head);
  });
});
