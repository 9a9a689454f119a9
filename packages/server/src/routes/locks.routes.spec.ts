import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, ItemDetails } from '@idrive/shared';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { hashToken } from '../lib/token-hash.js';

const PASSWORD = 'folder-secret-1';

describeEachDb('password-locked folders', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  /**
   * A user with a locked folder `Private` holding `notes.txt` and `deep/inner.txt`, the session that
   * locked it (which may enter) and a second session of the same user (which may not, yet).
   */
  async function setup() {
    const owner = await newDriveUser(t);
    const username = (await owner.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const other = driveClient(t, await t.login(username, 'user-password-1'));
    const folder = await owner.mkdir(owner.root, 'Private');
    const deep = await owner.mkdir(folder.id, 'deep');
    const notes = await owner.upload(folder.id, 'notes.txt', 'secret notes');
    const inner = await owner.upload(deep.id, 'inner.txt', 'inner secret');
    const lock = await owner.request('POST', `/folders/${folder.id}/lock`, { password: PASSWORD });
    expect(lock.statusCode, lock.body).toBe(201);
    expect(lock.json<Item>().locked).toBe(true);
    return { owner, other, folder, deep, notes, inner };
  }

  const unlock = (c: DriveClient, id: string, password = PASSWORD) =>
    c.request('POST', `/folders/${id}/unlock`, { password });

  it('keeps a locked subtree closed to a session that has not unlocked it, and marks the folder', async () => {
    const { owner, other, folder, deep, notes, inner } = await setup();
    // The session that set the password may go on; the listing above marks the folder.
    expect((await owner.list(folder.id)).items.map((i) => i.name)).toEqual(['deep', 'notes.txt']);
    const root = await other.list(owner.root);
    expect(root.items.find((i) => i.id === folder.id)?.locked).toBe(true);

    for (const url of [
      `/folders/${folder.id}/children`,
      `/folders/${deep.id}/children`,
      `/files/${notes.id}/content`,
      `/files/${inner.id}/content`,
      `/files/${inner.id}/info`,
      `/items/${inner.id}`,
      `/items/${deep.id}`,
    ]) {
      const res = await other.request('GET', url);
      expect(res.statusCode, url).toBe(423);
      expect(errorCode(res)).toBe('locked');
      expect(res.json<{ error: { details: { folderId: string } } }>().error.details.folderId).toBe(folder.id);
      expect(res.body).not.toContain('secret');
    }
    // The locked folder itself is an entry of its parent: its details are visible.
    const details = await other.request('GET', `/items/${folder.id}`);
    expect(details.statusCode).toBe(200);
    expect(details.json<ItemDetails>().locked).toBe(true);
  });

  it('refuses changes that would reach into a locked folder without unlocking it', async () => {
    const { owner, other, folder, notes } = await setup();
    const outside = await owner.mkdir(owner.root, 'Outside');
    const loose = await owner.upload(owner.root, 'loose.txt', 'x');
    const attempts = [
      other.request('PATCH', `/items/${notes.id}`, { parentId: outside.id }),
      other.request('PATCH', `/items/${loose.id}`, { parentId: folder.id }),
      other.request('POST', '/folders', { parentId: folder.id, name: 'new' }),
      other.request('PUT', `/folders/${folder.id}/files/dropped.txt`, Buffer.from('d'), {
        'content-type': 'application/octet-stream',
      }),
      other.request('POST', '/items/trash', { ids: [notes.id] }),
      other.request('POST', '/items/copy', { ids: [folder.id], parentId: outside.id }),
      other.request('POST', '/uploads', undefined, {
        'tus-resumable': '1.0.0',
        'upload-length': '1',
        'upload-metadata': `filename ${Buffer.from('t.txt').toString('base64')},parentId ${Buffer.from(folder.id).toString('base64')}`,
      }),
    ];
    for (const res of await Promise.all(attempts)) expect(res.statusCode, res.body).toBe(423);
    await expect(other.batch(folder.id, [{ path: 'b.txt', data: 'b' }])).rejects.toThrow(/423/);
    expect((await owner.list(folder.id)).items.map((i) => i.name)).toEqual(['deep', 'notes.txt']);
    expect((await owner.list(outside.id)).total).toBe(0);
    // The locked folder itself may be renamed or trashed like any entry.
    expect((await other.request('PATCH', `/items/${folder.id}`, { name: 'Vault' })).statusCode).toBe(200);
  });

  it('unlocks with the password for this session only, throttles guessing, and relocks', async () => {
    const { owner, other, folder, notes } = await setup();
    const wrong = await unlock(other, folder.id, 'not-it');
    expect(wrong.statusCode).toBe(403);
    expect(errorCode(wrong)).toBe('wrong_password');

    const opened = await unlock(other, folder.id);
    expect(opened.statusCode).toBe(200);
    expect(Date.parse(opened.json<{ expiresAt: string }>().expiresAt)).toBeGreaterThan(Date.now());
    expect((await other.content(notes.id)).toString()).toBe('secret notes');

    expect((await other.request('POST', `/folders/${folder.id}/relock`)).statusCode).toBe(200);
    expect((await other.request('GET', `/files/${notes.id}/content`)).statusCode).toBe(423);
    // The other session's relock does not close the owner's.
    expect((await owner.content(notes.id)).toString()).toBe('secret notes');

    for (let i = 0; i < 5; i++) expect((await unlock(other, folder.id, `guess-${i}`)).statusCode).toBe(403);
    const throttled = await unlock(other, folder.id);
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a grant ends when it expires', async () => {
    const { other, folder, notes } = await setup();
    expect((await unlock(other, folder.id)).statusCode).toBe(200);
    expect((await other.request('GET', `/files/${notes.id}/content`)).statusCode).toBe(200);
    await t.drive.repos.locks.grant(
      (await t.drive.repos.sessions.findByTokenHash(hashToken(other.token)))!.id,
      folder.id,
      Date.now() - 1,
    );
    expect((await other.request('GET', `/files/${notes.id}/content`)).statusCode).toBe(423);
  });

  it('a nested lock needs its own password', async () => {
    const { owner, other, folder, deep, inner } = await setup();
    expect(
      (await owner.request('POST', `/folders/${deep.id}/lock`, { password: 'inner-secret-2' })).statusCode,
    ).toBe(201);
    expect((await unlock(other, folder.id)).statusCode).toBe(200);
    expect((await other.list(folder.id)).items.find((i) => i.id === deep.id)?.locked).toBe(true);
    const closed = await other.request('GET', `/files/${inner.id}/content`);
    expect(closed.statusCode).toBe(423);
    expect(closed.json<{ error: { details: { folderId: string } } }>().error.details.folderId).toBe(deep.id);
    expect((await unlock(other, deep.id, PASSWORD)).statusCode).toBe(403);
    expect((await unlock(other, deep.id, 'inner-secret-2')).statusCode).toBe(200);
    expect((await other.content(inner.id)).toString()).toBe('inner secret');
  });

  it('changing or removing the lock needs the password; a change closes every other session', async () => {
    const { owner, other, folder, notes } = await setup();
    expect((await unlock(other, folder.id)).statusCode).toBe(200);
    const bad = await owner.request('PATCH', `/folders/${folder.id}/lock`, {
      password: 'wrong',
      newPassword: 'another-secret-3',
    });
    expect(bad.statusCode).toBe(403);
    const changed = await owner.request('PATCH', `/folders/${folder.id}/lock`, {
      password: PASSWORD,
      newPassword: 'another-secret-3',
    });
    expect(changed.statusCode).toBe(200);
    expect((await other.request('GET', `/files/${notes.id}/content`)).statusCode).toBe(423);
    expect((await unlock(other, folder.id)).statusCode).toBe(403);

    expect(
      (await owner.request('DELETE', `/folders/${folder.id}/lock`, { password: PASSWORD })).statusCode,
    ).toBe(403);
    const removed = await owner.request('DELETE', `/folders/${folder.id}/lock`, {
      password: 'another-secret-3',
    });
    expect(removed.statusCode).toBe(200);
    expect((await other.content(notes.id)).toString()).toBe('secret notes');
    expect((await other.list(owner.root)).items.find((i) => i.id === folder.id)?.locked).toBeUndefined();
  });

  it('stores only an argon2id hash, copies keep the lock, and bad requests change nothing', async () => {
    const { owner, other, folder, notes } = await setup();
    const row = await t.drive.repos.locks.find(folder.id);
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
    expect(row?.password_hash).not.toContain(PASSWORD);

    const copied = await owner.request('POST', '/items/copy', { ids: [folder.id], parentId: owner.root });
    expect(copied.statusCode).toBe(201);
    const copy = copied.json<{ items: Item[] }>().items[0]!;
    expect(copy.locked).toBe(true);
    expect((await other.request('GET', `/folders/${copy.id}/children`)).statusCode).toBe(423);

    const stranger = await newDriveUser(t);
    expect(
      (await stranger.request('POST', `/folders/${folder.id}/unlock`, { password: PASSWORD })).statusCode,
    ).toBe(404);
    expect((await stranger.request('GET', `/folders/${folder.id}/children`)).statusCode).toBe(404);
    expect(
      (await owner.request('POST', `/folders/${owner.root}/lock`, { password: PASSWORD })).statusCode,
    ).toBe(400);
    expect(
      (await owner.request('POST', `/folders/${notes.id}/lock`, { password: PASSWORD })).statusCode,
    ).toBe(400);
    expect(
      (await owner.request('POST', `/folders/${folder.id}/lock`, { password: PASSWORD })).statusCode,
    ).toBe(409);
    const short = await owner.request('POST', `/folders/${copy.id}/relock`);
    expect(short.statusCode).toBe(200);
    const weak = await owner.request('POST', `/folders/${(await owner.mkdir(owner.root, 'w')).id}/lock`, {
      password: 'short',
    });
    expect(weak.statusCode).toBe(400);
    expect(
      (await owner.list(owner.root)).items
        .filter((i) => i.locked)
        .map((i) => i.name)
        .sort(),
    ).toEqual(['Private', 'Private (1)']);
  });
});
