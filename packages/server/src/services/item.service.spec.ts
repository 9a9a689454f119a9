import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAME_MAX_BYTES, type ConflictPolicy } from '@idrive/shared';
import type { ItemRow, UserRow } from '../db/schema.js';
import { AppError } from '../lib/app-error.js';
import { ChunkMissingError } from '../storage/errors.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const DAY_MS = 86_400_000;

async function* once(body: Buffer): AsyncGenerator<Buffer> {
  yield body;
}

/** Service-level access for one user: their row (re-read on every call) and shortcuts into the services. */
function serviceUser(t: TestApp, userId: string) {
  const { items, files } = t.drive.context;
  const repos = t.drive.repos;
  const me = async (): Promise<UserRow> => (await repos.users.findById(userId))!;
  return {
    me,
    async root() {
      return (await me()).root_folder_id;
    },
    async mkdir(parentId: string, name: string) {
      return items.createFolder(await me(), parentId, name);
    },
    async upload(parentId: string, name: string, body: Buffer, conflict: ConflictPolicy = 'fail') {
      return files.upload(
        await me(),
        { parentId, name, conflict, mimeType: 'application/octet-stream' },
        once(body),
        { declaredSize: body.length },
      );
    },
    async size(id: string) {
      return (await repos.items.findById(id))!.size;
    },
    async used() {
      return (await me()).used_bytes;
    },
    async row(id: string) {
      return repos.items.findById(id);
    },
    async read(id: string) {
      const file = await files.open(await me(), id);
      const parts: Buffer[] = [];
      for await (const piece of files.read(file, 0, file.version.size)) parts.push(piece);
      return Buffer.concat(parts);
    },
  };
}

/**
 * The invariants the item service promises: each live folder's size is the total of the live files
 * below it, and the user's used bytes are the total of every file they keep, trash included, and of
 * every earlier version in their histories.
 */
async function checkInvariants(t: TestApp, userId: string): Promise<string[]> {
  const user = (await t.drive.repos.users.findById(userId))!;
  const all = await t.drive.repos.items.subtree(user.root_folder_id);
  const problems: string[] = [];
  const children = new Map<string, ItemRow[]>();
  for (const row of all) {
    if (row.parent_id) children.set(row.parent_id, [...(children.get(row.parent_id) ?? []), row]);
  }
  const liveTotal = (id: string): number =>
    (children.get(id) ?? [])
      .filter((c) => c.trashed_at === null)
      .reduce((sum, c) => sum + (c.type === 'file' ? c.size : liveTotal(c.id)), 0);
  for (const row of all) {
    if (row.type === 'folder' && row.trashed_at === null) {
      const expected = liveTotal(row.id);
      if (row.size !== expected)
        problems.push(`folder "${row.name}" has size ${row.size}, expected ${expected}`);
    }
    if (row.trashed_at === null && row.trash_root_id !== null)
      problems.push(`live "${row.name}" has a trash root`);
    if (row.trashed_at !== null && !all.some((r) => r.id === row.trash_root_id)) {
      problems.push(`trashed "${row.name}" has no trash root`);
    }
  }
  const files = all.filter((r) => r.type === 'file');
  const fileBytes = files.reduce((sum, r) => sum + r.size, 0);
  const historyBytes = await t.drive.repos.history.bytesOf(files.map((r) => r.id));
  if (user.used_bytes !== fileBytes + historyBytes)
    problems.push(`used_bytes is ${user.used_bytes}, files total ${fileBytes}, histories ${historyBytes}`);
  return problems;
}

/** A small deterministic PRNG (mulberry32), so a failing random sequence can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick<T>(list: T[]): T {
      return list[Math.floor(next() * list.length)]!;
    },
  };
}

describeEachDb('item service', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(65536) } });
  });
  afterAll(() => t.close());

  async function newUser() {
    const { user } = await t.createUser(['upload', 'delete', 'share']);
    return Object.assign(serviceUser(t, user.id), { id: user.id });
  }

  describe('folder sizes', () => {
    it('keeps every ancestor’s size and the used bytes right through upload, move, copy, trash, restore and purge', async () => {
      const u = await newUser();
      const items = t.drive.context.items;
      const root = await u.root();
      const a = await u.mkdir(root, 'a');
      const b = await u.mkdir(a.id, 'b');
      const c = await u.mkdir(b.id, 'c');
      const other = await u.mkdir(root, 'other');
      await u.upload(a.id, 'one.bin', randomBytes(1000));
      const two = await u.upload(c.id, 'two.bin', randomBytes(70_000));
      const sizes = async () => [
        await u.size(root),
        await u.size(a.id),
        await u.size(b.id),
        await u.size(c.id),
        await u.size(other.id),
        await u.used(),
      ];

      expect(await sizes()).toEqual([71_000, 71_000, 70_000, 70_000, 0, 71_000]);

      await items.update(await u.me(), b.id, { parentId: other.id });
      expect(await sizes()).toEqual([71_000, 1000, 70_000, 70_000, 70_000, 71_000]);

      const [copy] = await items.copy(await u.me(), [b.id], a.id);
      expect(copy!.size).toBe(70_000);
      expect(await sizes()).toEqual([141_000, 71_000, 70_000, 70_000, 70_000, 141_000]);

      await items.trash(await u.me(), [two.id]);
      expect(await sizes()).toEqual([71_000, 71_000, 0, 0, 0, 141_000]);
      expect(await u.size(copy!.id)).toBe(70_000);

      await items.restore(await u.me(), [two.id]);
      expect(await sizes()).toEqual([141_000, 71_000, 70_000, 70_000, 70_000, 141_000]);

      await items.trash(await u.me(), [other.id]);
      expect(await sizes()).toEqual([71_000, 71_000, 70_000, 70_000, 70_000, 141_000]);
      await items.deleteForever(await u.me(), [other.id]);
      expect(await u.size(root)).toBe(71_000);
      expect(await u.used()).toBe(71_000);
      expect(await u.row(two.id)).toBeUndefined();
      expect(await checkInvariants(t, u.id)).toEqual([]);
    });

    it('keeps sizes right under concurrent uploads into one nested folder', async () => {
      const u = await newUser();
      const root = await u.root();
      const a = await u.mkdir(root, 'a');
      const b = await u.mkdir(a.id, 'b');
      const bodies = Array.from({ length: 12 }, (_, i) => randomBytes(100 * (i + 1)));
      await Promise.all(bodies.map((body, i) => u.upload(b.id, `f${i}.bin`, body)));
      const total = bodies.reduce((s, b) => s + b.length, 0);
      expect(await u.size(b.id)).toBe(total);
      expect(await u.size(a.id)).toBe(total);
      expect(await u.size(root)).toBe(total);
      expect(await u.used()).toBe(total);
    });
  });

  describe('concurrency', () => {
    it('of two crossing moves (a into b, b into a) only one succeeds and no cycle forms', async () => {
      const u = await newUser();
      const items = t.drive.context.items;
      const root = await u.root();
      for (let round = 0; round < 5; round++) {
        const a = await u.mkdir(root, `a${round}`);
        const b = await u.mkdir(root, `b${round}`);
        const results = await Promise.allSettled([
          items.update(await u.me(), a.id, { parentId: b.id }),
          items.update(await u.me(), b.id, { parentId: a.id }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(failed.reason).toBeInstanceOf(AppError);
        expect((failed.reason as AppError).status).toBe(409);
        for (const id of [a.id, b.id]) {
          const path = await t.drive.repos.items.pathTo(id);
          expect(path[0]!.id).toBe(root);
          expect(path.length).toBeLessThanOrEqual(3);
        }
      }
    });

    it('of concurrent creations of one name exactly one succeeds; the others get name_conflict', async () => {
      const u = await newUser();
      const root = await u.root();
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => u.mkdir(root, i % 2 ? 'Same' : 'same')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as AppError).code).toBe('name_conflict');
      }
      const listing = await t.drive.context.items.list(await u.me(), root, {
        sort: 'name',
        order: 'asc',
        offset: 0,
        limit: 100,
      });
      expect(listing.total).toBe(1);
    });
  });

  describe('free names', () => {
    it('numbers a long name so that it still fits in 255 bytes, and keeps counting', async () => {
      const u = await newUser();
      const root = await u.root();
      const long = 'x'.repeat(NAME_MAX_BYTES - 4) + '.txt';
      const file = await u.upload(root, long, Buffer.from('long'));
      const items = t.drive.context.items;
      const [first] = await items.copy(await u.me(), [file.id], root);
      const [second] = await items.copy(await u.me(), [file.id], root);
      for (const [copy, n] of [
        [first!, 1],
        [second!, 2],
      ] as const) {
        expect(Buffer.byteLength(copy.name)).toBeLessThanOrEqual(NAME_MAX_BYTES);
        expect(copy.name.endsWith(` (${n}).txt`)).toBe(true);
      }
      // Multi-byte characters are cut whole, never split.
      const wide = '\u00e9'.repeat(125) + '.txt'; // 254 bytes
      const wideFile = await u.upload(root, wide, Buffer.from('wide'));
      const [wideCopy] = await items.copy(await u.me(), [wideFile.id], root);
      expect(Buffer.byteLength(wideCopy!.name)).toBeLessThanOrEqual(NAME_MAX_BYTES);
      expect(wideCopy!.name).toMatch(/^\u00e9+ \(1\)\.txt$/);
    });

    it('a rename upload takes the next free number', async () => {
      const u = await newUser();
      const root = await u.root();
      await u.upload(root, 'photo.jpg', Buffer.from('1'));
      const names: string[] = [];
      for (let i = 0; i < 3; i++)
        names.push((await u.upload(root, 'PHOTO.jpg', Buffer.from('x'), 'rename')).name);
      expect(names).toEqual(['PHOTO (1).jpg', 'PHOTO (2).jpg', 'PHOTO (3).jpg']);
    });
  });

  describe('purging the trash', () => {
    it('purges the subtree, queues the chunks, keeps versions a copy still uses', async () => {
      const u = await newUser();
      const items = t.drive.context.items;
      const root = await u.root();
      const folder = await u.mkdir(root, 'folder');
      const bodyA = randomBytes(3 * 65536 + 10);
      const bodyB = randomBytes(2000);
      const a = await u.upload(folder.id, 'a.bin', bodyA);
      const b = await u.upload(folder.id, 'b.bin', bodyB);
      const [bCopy] = await items.copy(await u.me(), [b.id], root);
      const aVersion = (await u.row(a.id))!.version_id!;
      const aChunks = await t.drive.repos.versions.chunks(aVersion);
      expect(aChunks).toHaveLength(4);

      await items.trash(await u.me(), [folder.id]);
      await items.deleteForever(await u.me(), [folder.id]);
      expect(await u.row(folder.id)).toBeUndefined();
      expect(await u.row(a.id)).toBeUndefined();
      expect(await t.drive.repos.versions.findById(aVersion)).toBeUndefined();
      expect(await u.used()).toBe(bodyB.length);

      const queued = new Set((await t.drive.repos.versions.garbage(10_000)).map((g) => g.locator));
      for (const c of aChunks) expect(queued.has(c.locator!)).toBe(true);
      await t.drive.maintenance.collectGarbage();
      const store = t.drive.stores.get('local');
      for (const c of aChunks) await expect(store.get(c.locator!)).rejects.toBeInstanceOf(ChunkMissingError);
      expect((await u.read(bCopy!.id)).equals(bodyB)).toBe(true);
    });

    it('counts each file once when nested trash entries are purged together', async () => {
      const u = await newUser();
      const items = t.drive.context.items;
      const root = await u.root();
      const folder = await u.mkdir(root, 'folder');
      const inner = await u.upload(folder.id, 'inner.bin', randomBytes(300));
      await u.upload(folder.id, 'other.bin', randomBytes(200));
      await u.upload(root, 'keep.bin', randomBytes(1000));
      await items.trash(await u.me(), [inner.id]);
      await items.trash(await u.me(), [folder.id]);
      await items.deleteForever(await u.me(), [folder.id, inner.id]);
      expect(await u.used()).toBe(1000);
      expect(await checkInvariants(t, u.id)).toEqual([]);
    });
  });

  describe('random operations keep the invariants', () => {
    it('holds after every step of a seeded random sequence', async () => {
      const u = await newUser();
      const items = t.drive.context.items;
      const rnd = prng(20240611);
      const names = ['a', 'B', 'c.txt', 'C.TXT', 'd'];
      const log: string[] = [];
      const stats: Record<string, { done: number; refused: number }> = {};
      const root = await u.root();

      for (let step = 0; step < 300; step++) {
        const all = await t.drive.repos.items.subtree(root);
        const live = all.filter((r) => r.trashed_at === null);
        const liveFolders = live.filter((r) => r.type === 'folder');
        const movable = live.filter((r) => r.parent_id !== null);
        const trashRoots = all.filter((r) => r.trash_root_id === r.id);
        const me = await u.me();
        const op = rnd.int(12);
        let label = '';
        try {
          if (op <= 1) {
            const parent = rnd.pick(liveFolders);
            const name = rnd.pick(names);
            label = `mkdir ${parent.name}/${name}`;
            await items.createFolder(me, parent.id, name);
          } else if (op <= 3) {
            const parent = rnd.pick(liveFolders);
            const name = rnd.pick(names);
            const conflict = rnd.pick<ConflictPolicy>(['fail', 'rename', 'replace']);
            label = `upload ${parent.name}/${name} (${conflict})`;
            await u.upload(parent.id, name, randomBytes(rnd.int(3000)), conflict);
          } else if (op === 4 && movable.length > 0) {
            const item = rnd.pick(movable);
            const target = rnd.pick(liveFolders);
            label = `move ${item.name} into ${target.name}`;
            await items.update(
              me,
              item.id,
              rnd.int(3) === 0 ? { parentId: target.id, name: rnd.pick(names) } : { parentId: target.id },
            );
          } else if (op === 5 && movable.length > 0) {
            const item = rnd.pick(movable);
            const target = rnd.pick(liveFolders);
            label = `copy ${item.name} into ${target.name}`;
            await items.copy(me, [item.id], target.id);
          } else if ((op === 6 || op === 7) && movable.length > 0) {
            const picked = [rnd.pick(movable), rnd.pick(movable)];
            label = `trash ${picked.map((p) => p.name).join(', ')}`;
            await items.trash(me, [...new Set(picked.map((p) => p.id))]);
          } else if ((op === 8 || op === 9) && trashRoots.length > 0) {
            const item = rnd.pick(trashRoots);
            label = `restore ${item.name}`;
            await items.restore(me, [item.id]);
          } else if (op === 10 && trashRoots.length > 0) {
            const picked = [...new Set([rnd.pick(trashRoots), rnd.pick(trashRoots)].map((r) => r.id))];
            label = `delete forever ${picked.length} entries`;
            await items.deleteForever(me, picked);
          } else if (op === 11 && rnd.int(4) === 0) {
            label = 'empty trash';
            await items.emptyTrash(me, new Set());
          } else {
            continue;
          }
        } catch (err) {
          // Refusals (a taken name, a move into itself) are expected; anything else is a bug.
          if (!(err instanceof AppError && err.status === 409)) {
            throw new Error(`step ${step} "${label}" failed: ${String(err)}\n${log.slice(-8).join('\n')}`, {
              cause: err,
            });
          }
          label += ' (refused)';
        }
        log.push(`${step}: ${label}`);
        const kind = label.split(' ')[0]!;
        const counts = (stats[kind] ??= { done: 0, refused: 0 });
        if (label.endsWith('(refused)')) counts.refused++;
        else counts.done++;
        const problems = await checkInvariants(t, u.id);
        expect(problems, `after step ${step} "${label}"\n${log.slice(-8).join('\n')}`).toEqual([]);
      }
      // The sequence did exercise every kind of change.
      for (const kind of ['mkdir', 'upload', 'move', 'copy', 'trash', 'restore', 'delete', 'empty']) {
        expect(stats[kind]?.done ?? 0, kind).toBeGreaterThanOrEqual(3);
      }
    });
  });
});

describeEachDb('automatic trash purge', (dialect) => {
  let t: TestApp;
  type ServiceUser = ReturnType<typeof serviceUser> & { id: string };
  const users: ServiceUser[] = [];

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    // Created up front: a run 31 days ahead also expires every session, the admin's included.
    for (let i = 0; i < 4; i++) {
      const { user } = await t.createUser(['upload', 'delete', 'share']);
      users.push(Object.assign(serviceUser(t, user.id), { id: user.id }));
    }
  });
  afterAll(() => t.close());

  let next = 0;
  const newUser = async (): Promise<ServiceUser> => users[next++]!;

  it('purges only what has been in the trash longer than the retention period (30 days by default)', async () => {
    const u = await newUser();
    const items = t.drive.context.items;
    const root = await u.root();
    const folder = await u.mkdir(root, 'folder');
    const inFolder = await u.upload(folder.id, 'in-folder.bin', randomBytes(400));
    const file = await u.upload(root, 'file.bin', randomBytes(300));
    const keep = await u.upload(root, 'keep.bin', randomBytes(100));
    const versionOfFile = (await u.row(file.id))!.version_id!;
    const chunks = await t.drive.repos.versions.chunks(versionOfFile);
    await items.trash(await u.me(), [folder.id, file.id]);

    // 29 days on: nothing is old enough.
    const early = await t.drive.maintenance.run(Date.now() + 29 * DAY_MS);
    expect(early.trashPurged).toBe(0);
    expect((await items.listTrash(await u.me(), 0, 100, new Set())).total).toBe(2);
    expect(await u.used()).toBe(800);

    const report = await t.drive.maintenance.run(Date.now() + 31 * DAY_MS);
    expect(report.trashPurged).toBe(2);
    expect(report.chunksDeleted).toBeGreaterThanOrEqual(2);
    expect(report.chunkDeletesFailed).toBe(0);
    for (const id of [folder.id, inFolder.id, file.id]) expect(await u.row(id)).toBeUndefined();
    expect((await items.listTrash(await u.me(), 0, 100, new Set())).total).toBe(0);
    expect(await u.used()).toBe(100);
    expect(await u.size(root)).toBe(100);
    const store = t.drive.stores.get('local');
    for (const c of chunks) await expect(store.get(c.locator!)).rejects.toBeInstanceOf(ChunkMissingError);
    expect((await u.read(keep.id)).length).toBe(100);
  });

  it('leaves items trashed more recently, of every user, and purges the old ones of every user', async () => {
    const u1 = await newUser();
    const u2 = await newUser();
    const items = t.drive.context.items;
    const setup = async (u: Awaited<ReturnType<typeof newUser>>) => {
      const root = await u.root();
      const old = await u.upload(root, 'old.bin', randomBytes(500));
      const recent = await u.upload(root, 'recent.bin', randomBytes(70));
      await items.trash(await u.me(), [old.id, recent.id]);
      // Backdate one entry: trashed 31 days ago, the other a day ago.
      await t.drive.repos.items.update(old.id, { trashed_at: Date.now() - 31 * DAY_MS });
      await t.drive.repos.items.update(recent.id, { trashed_at: Date.now() - 1 * DAY_MS });
      return { old, recent };
    };
    const a = await setup(u1);
    const b = await setup(u2);

    const report = await t.drive.maintenance.run(Date.now());
    expect(report.trashPurged).toBe(2);
    for (const [u, x] of [
      [u1, a],
      [u2, b],
    ] as const) {
      expect(await u.row(x.old.id)).toBeUndefined();
      expect((await u.row(x.recent.id))?.trashed_at).not.toBeNull();
      expect(await u.used()).toBe(70);
      const trash = await items.listTrash(await u.me(), 0, 100, new Set());
      expect(trash.items.map((i) => i.id)).toEqual([x.recent.id]);
    }
    // Running again changes nothing.
    expect((await t.drive.maintenance.run(Date.now())).trashPurged).toBe(0);
  });

  it('purges a file trashed before its folder without counting it twice', async () => {
    const u = await newUser();
    const items = t.drive.context.items;
    const root = await u.root();
    const folder = await u.mkdir(root, 'folder');
    const inner = await u.upload(folder.id, 'inner.bin', randomBytes(300));
    await u.upload(folder.id, 'other.bin', randomBytes(200));
    await u.upload(root, 'keep.bin', randomBytes(1000));
    await items.trash(await u.me(), [inner.id]);
    await items.trash(await u.me(), [folder.id]);
    await t.drive.maintenance.run(Date.now() + 31 * DAY_MS);
    expect(await u.row(folder.id)).toBeUndefined();
    expect(await u.row(inner.id)).toBeUndefined();
    expect(await u.used()).toBe(1000);
  });
});

describeEachDb('trash retention setting', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_TRASH_RETENTION_DAYS: '7' } });
  });
  afterAll(() => t.close());

  it('follows IDRIVE_TRASH_RETENTION_DAYS', async () => {
    const { user } = await t.createUser(['upload', 'delete']);
    const u = serviceUser(t, user.id);
    const file = await u.upload(user.rootFolderId, 'week.bin', randomBytes(10));
    await t.drive.context.items.trash(await u.me(), [file.id]);
    expect((await t.drive.maintenance.run(Date.now() + 6 * DAY_MS)).trashPurged).toBe(0);
    expect(await u.row(file.id)).toBeDefined();
    expect((await t.drive.maintenance.run(Date.now() + 8 * DAY_MS)).trashPurged).toBe(1);
    expect(await u.row(file.id)).toBeUndefined();
    expect(await u.used()).toBe(0);
  });
});
