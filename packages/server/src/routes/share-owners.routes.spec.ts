import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Permission, Share, ShareListing } from '@idrive/shared';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

type Client = DriveClient & { userId: string; root: string };

describeEachDb('links whose owner lost a permission', (dialect) => {
  let t: TestApp;
  let admin: DriveClient;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_PUBLIC_URL: 'https://drive.example.com/' } });
    admin = driveClient(t, t.adminToken);
  });
  afterAll(() => t.close());

  const visit = (token: string) => t.drive.app.inject({ method: 'GET', url: `/api/v1/s/${token}/items` });

  async function setPermissions(user: Client, permissions: Permission[]): Promise<void> {
    const res = await admin.request('PATCH', `/users/${user.userId}`, { permissions });
    expect(res.statusCode, res.body).toBe(200);
  }

  async function links(owner: Client) {
    const read = await owner.request('POST', '/shares', {
      itemId: (await owner.mkdir(owner.root, 'Out')).id,
    });
    const drop = await owner.request('POST', '/shares', {
      itemId: (await owner.mkdir(owner.root, 'Inbox')).id,
      mode: 'upload',
    });
    expect(read.statusCode, read.body).toBe(201);
    expect(drop.statusCode, drop.body).toBe(201);
    return { read: read.json<Share>(), drop: drop.json<Share>() };
  }

  const listed = async (client: DriveClient, url: string) => {
    const res = await client.request('GET', url);
    expect(res.statusCode, res.body).toBe(200);
    return new Map(res.json<{ shares: Share[] }>().shares.map((s) => [s.id, s]));
  };

  it('finding 13: links stop when sharing is taken away, stay listed and revocable by owner and admin, and work again when it is given back', async () => {
    const owner: Client = await newDriveUser(t);
    const { read, drop } = await links(owner);
    expect(read.suspended).toBe(false);
    expect((await visit(read.token)).statusCode).toBe(200);

    await setPermissions(owner, ['upload', 'delete']);
    const stopped = await visit(read.token);
    expect(stopped.statusCode).toBe(410);
    expect(errorCode(stopped)).toBe('gone');
    expect((await t.drive.app.inject({ method: 'GET', url: `/api/v1/s/${drop.token}` })).statusCode).toBe(
      410,
    );

    const own = await listed(owner, '/shares');
    expect([...own.values()].map((s) => [s.mode, s.suspended])).toEqual(
      expect.arrayContaining([
        ['read', true],
        ['upload', true],
      ]),
    );
    expect((await owner.request('GET', `/shares/${read.id}`)).json<Share>().suspended).toBe(true);
    // Changing a link is sharing again; ending one is not.
    expect((await owner.request('PATCH', `/shares/${read.id}`, { maxDownloads: 3 })).statusCode).toBe(403);
    expect((await owner.request('POST', '/shares', { itemId: owner.root })).statusCode).toBe(403);

    const byAdmin = await listed(admin, `/users/${owner.userId}/shares`);
    expect(byAdmin.get(read.id)).toMatchObject({ suspended: true, revokedAt: null, itemName: 'Out' });
    expect(byAdmin.get(drop.id)).toMatchObject({ suspended: true, mode: 'upload' });
    expect((await admin.request('DELETE', `/users/${owner.userId}/shares/${drop.id}`)).statusCode).toBe(200);
    expect((await owner.request('DELETE', `/shares/${read.id}`)).statusCode).toBe(200);
    const after = await listed(admin, `/users/${owner.userId}/shares`);
    expect(after.get(read.id)?.revokedAt).not.toBeNull();
    expect(after.get(drop.id)?.revokedAt).not.toBeNull();

    // A link left alone works again once the permission is back.
    await setPermissions(owner, ['upload', 'delete', 'share']);
    const made = await owner.request('POST', '/shares', {
      itemId: (await owner.mkdir(owner.root, 'Again')).id,
    });
    const again = made.json<Share>();
    await setPermissions(owner, ['upload']);
    expect((await visit(again.token)).statusCode).toBe(410);
    await setPermissions(owner, ['upload', 'share']);
    expect((await visit(again.token)).json<ShareListing>().items).toEqual([]);
  });

  it('finding 13: a file request stops when uploading is taken away; a read link does not', async () => {
    const owner: Client = await newDriveUser(t);
    const { read, drop } = await links(owner);
    await setPermissions(owner, ['delete', 'share']);
    const own = await listed(owner, '/shares');
    expect(own.get(drop.id)?.suspended).toBe(true);
    expect(own.get(read.id)?.suspended).toBe(false);
    expect((await visit(read.token)).statusCode).toBe(200);
    expect((await t.drive.app.inject({ method: 'GET', url: `/api/v1/s/${drop.token}` })).statusCode).toBe(
      410,
    );
  });

  it('finding 13: only an admin sees or revokes another user’s links', async () => {
    const owner: Client = await newDriveUser(t);
    const other: Client = await newDriveUser(t);
    const { read } = await links(owner);
    expect((await other.request('GET', `/users/${owner.userId}/shares`)).statusCode).toBe(403);
    expect((await other.request('DELETE', `/users/${owner.userId}/shares/${read.id}`)).statusCode).toBe(403);
    expect((await other.request('DELETE', `/shares/${read.id}`)).statusCode).toBe(404);
    // The admin names the owner too: a link under the wrong user is not found.
    expect((await admin.request('DELETE', `/users/${other.userId}/shares/${read.id}`)).statusCode).toBe(404);
    expect((await visit(read.token)).statusCode).toBe(200);
  });

  it('finding 2: a link is absolute on the public address the drive is configured with', async () => {
    const owner: Client = await newDriveUser(t);
    const { read } = await links(owner);
    expect(read.url).toBe(`https://drive.example.com/s/${read.token}`);
  });
});
