import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RecentListing } from '@idrive/shared';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import type { UserRow } from '../db/schema.js';
import { presentItem } from '../http/presenters.js';
import { OPENED_EVERY_MS, RecentService } from './recent.service.js';

/** Two instances of the service over one database, each with its own memory, on one test clock. */
describeEachDb('recent files: coalescing opens', (dialect) => {
  let t: TestApp;
  let clock: number;
  const failures: unknown[] = [];
  const instance = () =>
    new RecentService(
      t.drive.repos,
      (err) => failures.push(err),
      () => clock,
    );

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  async function setup() {
    const u = await newDriveUser(t);
    const file = await u.upload(u.root, 'movie.mp4', 'frames');
    const other = await u.upload(u.root, 'other.txt', 'x');
    const user = (await t.drive.repos.users.findById(u.userId)) as UserRow;
    // Entries of this test start well after the app's own (the uploads' changes, at the real time).
    clock = Date.now() + 10 * OPENED_EVERY_MS;
    const entries = async (service: RecentService) => {
      const { rows } = await service.list(user, { offset: 0, limit: 100 }, new Set());
      return rows.map((row) => ({ name: row.name, action: row.action, at: row.recent_at }));
    };
    return { u, user, file, other, entries };
  }

  it('writes an open of the same file again only a minute later, in one process', async () => {
    const { user, file, entries } = await setup();
    const a = instance();
    const start = clock;
    a.opened(user, file.id);
    expect((await entries(a))[0]).toEqual({ name: 'movie.mp4', action: 'opened', at: start });
    clock += OPENED_EVERY_MS - 1;
    a.opened(user, file.id);
    expect((await entries(a))[0]!.at).toBe(start);
    clock += 1;
    a.opened(user, file.id);
    expect((await entries(a))[0]!.at).toBe(start + OPENED_EVERY_MS);
    expect(failures).toEqual([]);
  });

  it('writes an open noted by two instances within the minute once', async () => {
    const { user, file, other, entries } = await setup();
    const a = instance();
    const b = instance();
    const start = clock;
    a.opened(user, file.id);
    await a.flush();
    clock += 10_000;
    b.opened(user, file.id);
    b.opened(user, other.id);
    expect(await entries(b)).toEqual([
      { name: 'other.txt', action: 'opened', at: start + 10_000 },
      { name: 'movie.mp4', action: 'opened', at: start },
    ]);
    expect(failures).toEqual([]);
  });

  it('lets a change replace an open at once, and an open a change', async () => {
    const { user, file, entries } = await setup();
    const a = instance();
    const start = clock;
    a.opened(user, file.id);
    clock += 1_000;
    const row = (await t.drive.repos.items.findById(file.id))!;
    const place = { parentId: row.parent_id, ancestorIds: [row.parent_id!] };
    a.itemChanged(
      { type: 'item.updated', item: presentItem(row), ...place, change: 'content' },
      row,
      user.id,
    );
    expect((await entries(a))[0]).toEqual({ name: 'movie.mp4', action: 'changed', at: start + 1_000 });
    clock += 1_000;
    a.opened(user, file.id);
    expect((await entries(a))[0]).toEqual({ name: 'movie.mp4', action: 'opened', at: start + 2_000 });
  });

  it('writes nothing for a file deleted before its entry was written, and goes on', async () => {
    const { u, user, file, other } = await setup();
    const a = instance();
    a.opened(user, file.id);
    a.opened(user, other.id);
    await u.trash(file.id);
    expect((await u.request('POST', '/trash/delete', { ids: [file.id] })).statusCode).toBe(200);
    await a.flush();
    const listed = (await u.request('GET', '/recent')).json<RecentListing>();
    expect(listed.items.map((i) => [i.name, i.action])).toEqual([['other.txt', 'opened']]);
    expect(failures).toEqual([]);
  });
});
