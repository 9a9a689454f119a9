import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Share, Tag, TrashListing } from '@idrive/shared';
import { driveClient, newDriveUser } from '../../test/helpers/drive-client.js';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const PASSWORD = 'folder-secret-1';

/** Locks hold beyond folder listings and file reads: trash, tags, uploads under way, share sockets. */
describeEachDb('locked folders outside the main routes', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  /** A user with `Private/notes.txt` and `Private/old.txt` (trashed), a session that locked it and one that did not. */
  async function setup() {
    const owner = await newDriveUser(t);
    const username = (await owner.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const other = driveClient(t, await t.login(username, 'user-password-1'));
    const folder = await owner.mkdir(owner.root, 'Private');
    const notes = await owner.upload(folder.id, 'notes.txt', 'secret notes');
    const old = await owner.upload(folder.id, 'old.txt', 'old secret');
    const outside = await owner.upload(owner.root, 'outside.txt', 'plain');
    await owner.trash(old.id, outside.id);
    const lock = await owner.request('POST', `/folders/${folder.id}/lock`, { password: PASSWORD });
    expect(lock.statusCode, lock.body).toBe(201);
    return { owner, other, folder, notes, old, outside };
  }

  it('finding 10: the trash hides what was trashed inside a closed locked folder, and restore, purge and empty leave it alone', async () => {
    const { owner, other, folder, old, outside } = await setup();
    const listed = (c: typeof other) => c.trashList().then((l: TrashListing) => l.items.map((i) => i.name));
    expect(await listed(owner)).toEqual(expect.arrayContaining(['old.txt', 'outside.txt']));
    expect(await listed(other)).toEqual(['outside.txt']);
    expect((await other.trashList()).total).toBe(1);

    for (const url of ['/trash/restore', '/trash/delete']) {
      const res = await other.request('POST', url, { ids: [old.id] });
      expect(res.statusCode, url).toBe(423);
      expect(errorCode(res)).toBe('locked');
    }
    const emptied = await other.request('DELETE', '/trash');
    expect(emptied.json<{ purged: number }>().purged).toBe(1);
    expect(await listed(owner)).toEqual(['old.txt']);
    expect((await other.request('GET', `/items/${outside.id}`)).statusCode).toBe(404);

    // Once opened, it is there again.
    await other.request('POST', `/folders/${folder.id}/unlock`, { password: PASSWORD });
    expect(await listed(other)).toEqual(['old.txt']);
  });

  it('finding 10: tag counts leave out tagged items inside a closed locked folder', async () => {
    const { owner, other, folder, notes } = await setup();
    const tag = (await owner.request('POST', '/tags', { name: 'secret' })).json<Tag>();
    const plain = await owner.upload(owner.root, 'plain.txt', 'p');
    const tagged = await owner.request('POST', '/items/tags', { ids: [notes.id, plain.id], add: [tag.id] });
    expect(tagged.statusCode, tagged.body).toBe(200);
    const count = async (c: typeof other) =>
      (await c.request('GET', '/tags')).json<{ tags: Tag[] }>().tags.find((x) => x.id === tag.id)!.items;
    expect(await count(owner)).toBe(2);
    expect(await count(other)).toBe(1);
    await other.request('POST', `/folders/${folder.id}/unlock`, { password: PASSWORD });
    expect(await count(other)).toBe(2);
  });

  it('finding 10: an upload under way into a folder locked since cannot go on, nor be probed, until it is opened', async () => {
    const owner = await newDriveUser(t);
    const username = (await owner.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const folder = await owner.mkdir(owner.root, 'Later');
    const meta = `filename ${Buffer.from('big.bin').toString('base64')},parentId ${Buffer.from(folder.id).toString('base64')}`;
    const tus = { 'tus-resumable': '1.0.0' };
    const created = await owner.request('POST', '/uploads', undefined, {
      ...tus,
      'upload-length': '4',
      'upload-metadata': meta,
    });
    expect(created.statusCode, created.body).toBe(201);
    const url = (created.headers.location as string).replace('/api/v1', '');
    await owner.request('POST', `/folders/${folder.id}/lock`, { password: PASSWORD });
    const other = driveClient(t, await t.login(username, 'user-password-1'));
    const patch = (c: typeof other) =>
      c.request('PATCH', url, Buffer.from('data'), {
        ...tus,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      });
    expect((await patch(other)).statusCode).toBe(423);
    expect(
      (
        await t.drive.app.inject({
          method: 'HEAD',
          url: `/api/v1${url}`,
          headers: { ...tus, authorization: `Bearer ${other.token}` },
        })
      ).statusCode,
    ).toBe(423);
    await other.request('POST', `/folders/${folder.id}/unlock`, { password: PASSWORD });
    expect((await patch(other)).statusCode).toBe(204);
  });

  it("finding 10: a share link's socket shows nothing more once a folder above the link is locked, and no new one connects", async () => {
    const owner = await newDriveUser(t);
    const above = await owner.mkdir(owner.root, 'Above');
    const shared = await owner.mkdir(above.id, 'Shared');
    const link = (await owner.request('POST', '/shares', { itemId: shared.id })).json<Share>();
    const address = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address.replace('http', 'ws')}/api/v1/s/${link.token}/events`;
    const socket = await openEventSocket(url);
    try {
      await socket.waitFor((e) => e.type === 'ready');
      const before = await owner.upload(shared.id, 'before.txt', 'b');
      await socket.waitFor((e) => 'item' in e && e.item.id === before.id);

      await owner.request('POST', `/folders/${above.id}/lock`, { password: PASSWORD });
      await owner.upload(shared.id, 'after-lock.txt', 'a');
      // A change elsewhere that the socket never shows, to know the event above has been judged.
      const marker = await owner.upload(owner.root, 'marker.txt', 'm');
      await owner.request('PATCH', `/items/${marker.id}`, { parentId: shared.id });
      await new Promise((r) => setTimeout(r, 300));
      const names = socket.received.flatMap((e) => ('item' in e ? [e.item.name] : []));
      expect(names).toContain('before.txt');
      expect(names).not.toContain('after-lock.txt');
      expect(names).not.toContain('marker.txt');

      const refused = await openEventSocket(url);
      expect((await refused.closed).code).toBe(4401);
    } finally {
      await socket.close();
    }
  });
});
