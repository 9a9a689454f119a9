import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, MeResponse, User, UserList } from '@idrive/shared';
import { ChunkMissingError } from '../storage/errors.js';
import { ADMIN, bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

describeEachDb('user administration routes', (dialect) => {
  let t: TestApp;
  let admin: { authorization: string };
  let adminId: string;

  // Small chunks, so a modest file spreads over several stored chunks.
  const CHUNK = 65536;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
    admin = bearer(t.adminToken);
    adminId = (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: admin })
    ).json<MeResponse>().user.id;
  });
  afterAll(() => t.close());

  const inject = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: object,
    payload?: object,
  ) =>
    t.drive.app.inject({ method, url: `/api/v1${url}`, headers: headers as Record<string, string>, payload });

  const login = (username: string, password: string) =>
    t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password, bearer: true },
    });

  it('creates a user (201) who can sign in, with the permissions given and an empty root folder', async () => {
    const res = await inject('POST', '/users', admin, {
      username: 'Marie.Curie',
      password: 'radium-1898',
      permissions: ['upload'],
    });
    expect(res.statusCode).toBe(201);
    const created = res.json<User>();
    expect(created).toMatchObject({
      username: 'Marie.Curie',
      permissions: ['upload'],
      disabled: false,
      usedBytes: 0,
    });
    expect(created.rootFolderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(created)).not.toMatch(/password|argon/i);

    const signIn = await login('marie.curie', 'radium-1898');
    expect(signIn.statusCode).toBe(200);
    const root = await inject('GET', '/folders/root', bearer(signIn.json<{ token: string }>().token));
    expect(root.statusCode).toBe(200);
    expect(root.json<{ folder: { id: string }; total: number }>()).toMatchObject({
      folder: { id: created.rootFolderId },
      total: 0,
    });
  });

  it('gives a new user upload, delete and share by default', async () => {
    const res = await inject('POST', '/users', admin, { username: 'defaults', password: 'defaults-pw-1' });
    expect(res.statusCode).toBe(201);
    expect([...res.json<User>().permissions].sort()).toEqual(['delete', 'share', 'upload']);
  });

  it('refuses a username taken in another case with 409', async () => {
    await inject('POST', '/users', admin, { username: 'Taken', password: 'password-123' });
    const res = await inject('POST', '/users', admin, { username: 'tAKEN', password: 'password-123' });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('conflict');
    const list = (await inject('GET', '/users', admin)).json<UserList>().users;
    expect(list.filter((u) => u.username.toLowerCase() === 'taken')).toHaveLength(1);
  });

  it('validates the body: bad username characters, short password, unknown permission', async () => {
    for (const [payload, field] of [
      [{ username: 'has space', password: 'password-123' }, 'username'],
      [{ username: 'a/b', password: 'password-123' }, 'username'],
      [{ username: 'shortpw', password: 'short' }, 'password'],
      [{ username: 'perm', password: 'password-123', permissions: ['root'] }, 'permissions'],
    ] as const) {
      const res = await inject('POST', '/users', admin, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
      expect(res.json<{ error: { message: string } }>().error.message).toContain(field);
    }
  });

  it('refuses every user route to a non-admin with 403', async () => {
    const { user, token } = await t.createUser(['upload', 'delete', 'share']);
    const auth = bearer(token);
    const calls: [Parameters<typeof inject>[0], string, object?][] = [
      ['GET', '/users'],
      ['POST', '/users', { username: 'sneaky', password: 'password-123' }],
      ['GET', `/users/${adminId}`],
      ['PATCH', `/users/${user.id}`, { permissions: ['upload', 'admin'] }],
      ['DELETE', `/users/${adminId}`],
    ];
    for (const [method, url, payload] of calls) {
      const res = await inject(method, url, auth, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(errorCode(res)).toBe('forbidden');
    }
    // Nothing happened.
    expect((await inject('GET', `/users/${user.id}`, admin)).json<User>().permissions).not.toContain('admin');
    expect((await login('sneaky', 'password-123')).statusCode).toBe(401);
  });

  it('lists users and gets one by id; an unknown id is 404', async () => {
    const { user } = await t.createUser(['share']);
    const list = await inject('GET', '/users', admin);
    expect(list.statusCode).toBe(200);
    const users = list.json<UserList>().users;
    expect(users.map((u) => u.username)).toEqual(expect.arrayContaining([ADMIN.username, user.username]));

    const one = await inject('GET', `/users/${user.id}`, admin);
    expect(one.statusCode).toBe(200);
    expect(one.json<User>()).toMatchObject({ id: user.id, username: user.username, permissions: ['share'] });

    const missing = await inject('GET', '/users/00000000-0000-4000-8000-000000000000', admin);
    expect(missing.statusCode).toBe(404);
    expect(errorCode(missing)).toBe('not_found');

    const badId = await inject('GET', '/users/not-a-uuid', admin);
    expect(badId.statusCode).toBe(400);
    expect(errorCode(badId)).toBe('validation_failed');
  });

  it('permission changes take effect on the user’s next request', async () => {
    const { user, token } = await t.createUser([]);
    const auth = bearer(token);
    const mkdir = () =>
      inject('POST', '/folders', auth, { parentId: user.rootFolderId, name: `f-${Date.now()}` });
    const denied = await mkdir();
    expect(denied.statusCode).toBe(403);
    expect(errorCode(denied)).toBe('forbidden');

    const grant = await inject('PATCH', `/users/${user.id}`, admin, { permissions: ['upload'] });
    expect(grant.statusCode).toBe(200);
    expect(grant.json<User>().permissions).toEqual(['upload']);
    const allowed = await mkdir();
    expect(allowed.statusCode).toBe(201);

    // Without "delete" the user cannot trash, with it they can.
    const trash = () => inject('POST', '/items/trash', auth, { ids: [allowed.json<Item>().id] });
    expect((await trash()).statusCode).toBe(403);
    await inject('PATCH', `/users/${user.id}`, admin, { permissions: ['upload', 'delete'] });
    expect((await trash()).statusCode).toBe(200);

    // Admin rights open the admin routes.
    expect((await inject('GET', '/users', auth)).statusCode).toBe(403);
    await inject('PATCH', `/users/${user.id}`, admin, { permissions: ['admin'] });
    expect((await inject('GET', '/users', auth)).statusCode).toBe(200);
    expect((await mkdir()).statusCode).toBe(403);
  });

  it('resets a user’s password: the old one stops working and their sessions end', async () => {
    const { user, token } = await t.createUser(['upload']);
    const res = await inject('PATCH', `/users/${user.id}`, admin, { password: 'reset-by-admin-1' });
    expect(res.statusCode).toBe(200);
    expect((await inject('GET', '/auth/me', bearer(token))).statusCode).toBe(401);
    expect((await login(user.username, 'user-password-1')).statusCode).toBe(401);
    expect((await login(user.username, 'reset-by-admin-1')).statusCode).toBe(200);
  });

  it('refuses an empty PATCH with 400', async () => {
    const { user } = await t.createUser([]);
    const res = await inject('PATCH', `/users/${user.id}`, admin, {});
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('validation_failed');
  });

  it('an admin cannot disable themselves, drop their own admin, or delete themselves (409)', async () => {
    const disable = await inject('PATCH', `/users/${adminId}`, admin, { disabled: true });
    expect(disable.statusCode).toBe(409);
    expect(errorCode(disable)).toBe('conflict');
    const deAdmin = await inject('PATCH', `/users/${adminId}`, admin, { permissions: ['upload', 'delete'] });
    expect(deAdmin.statusCode).toBe(409);
    const remove = await inject('DELETE', `/users/${adminId}`, admin);
    expect(remove.statusCode).toBe(409);
    expect(errorCode(remove)).toBe('conflict');

    const self = (await inject('GET', `/users/${adminId}`, admin)).json<User>();
    expect(self.disabled).toBe(false);
    expect(self.permissions).toContain('admin');
    expect((await inject('GET', '/auth/me', admin)).statusCode).toBe(200);

    // Changing their own other permissions while keeping admin is fine.
    const keep = await inject('PATCH', `/users/${adminId}`, admin, {
      permissions: ['upload', 'delete', 'share', 'admin'],
    });
    expect(keep.statusCode).toBe(200);
  });

  it('another admin may disable an admin', async () => {
    const other = await t.createUser(['admin']);
    const res = await inject('PATCH', `/users/${other.user.id}`, admin, { disabled: true });
    expect(res.statusCode).toBe(200);
    expect(res.json<User>().disabled).toBe(true);
    expect((await inject('GET', '/users', bearer(other.token))).statusCode).toBe(401);
  });

  it('deleting a user removes the account, sessions and files, and queues their chunks for deletion', async () => {
    const { user, token } = await t.createUser(['upload', 'delete']);
    const auth = bearer(token);
    const folder = (
      await inject('POST', '/folders', auth, { parentId: user.rootFolderId, name: 'docs' })
    ).json<Item>();
    const bodies = [randomBytes(3 * CHUNK + 17), randomBytes(1000)];
    const files: Item[] = [];
    for (const [i, body] of bodies.entries()) {
      const res = await t.drive.app.inject({
        method: 'PUT',
        url: `/api/v1/folders/${i === 0 ? folder.id : user.rootFolderId}/files/file-${i}.bin`,
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        payload: body,
      });
      expect(res.statusCode).toBe(201);
      files.push(res.json<Item>());
    }
    // A trashed file's chunks must go too.
    await inject('POST', '/items/trash', auth, { ids: [files[1]!.id] });

    const versionIds = await Promise.all(
      files.map(async (f) => (await t.drive.repos.items.findById(f.id))!.version_id!),
    );
    const chunks = (await Promise.all(versionIds.map((v) => t.drive.repos.versions.chunks(v)))).flat();
    expect(chunks.length).toBe(4 + 1);
    const store = t.drive.stores.get('local');
    for (const c of chunks) await expect(store.get(c.locator!)).resolves.toBeInstanceOf(Buffer);

    // Someone else's file must survive.
    const bystander = await t.createUser(['upload']);
    const keep = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${bystander.user.rootFolderId}/files/keep.bin`,
      headers: { ...bearer(bystander.token), 'content-type': 'application/octet-stream' },
      payload: Buffer.from('keep me'),
    });
    expect(keep.statusCode).toBe(201);

    const res = await inject('DELETE', `/users/${user.id}`, admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });

    expect((await inject('GET', `/users/${user.id}`, admin)).statusCode).toBe(404);
    expect((await inject('GET', '/auth/me', auth)).statusCode).toBe(401);
    expect((await login(user.username, 'user-password-1')).statusCode).toBe(401);
    for (const f of files) expect(await t.drive.repos.items.findById(f.id)).toBeUndefined();
    expect(await t.drive.repos.items.findById(folder.id)).toBeUndefined();
    expect(await t.drive.repos.items.findById(user.rootFolderId)).toBeUndefined();
    for (const v of versionIds) expect(await t.drive.repos.versions.findById(v)).toBeUndefined();

    // Every chunk is queued, and garbage collection deletes it from the store.
    const queued = new Set((await t.drive.repos.versions.garbage(10_000)).map((g) => g.locator));
    for (const c of chunks) expect(queued.has(c.locator!)).toBe(true);
    const { deleted, failed } = await t.drive.maintenance.collectGarbage();
    expect(deleted).toBeGreaterThanOrEqual(chunks.length);
    expect(failed).toBe(0);
    for (const c of chunks) await expect(store.get(c.locator!)).rejects.toBeInstanceOf(ChunkMissingError);

    const kept = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${keep.json<Item>().id}/content`,
      headers: bearer(bystander.token),
    });
    expect(kept.statusCode).toBe(200);
    expect(kept.body).toBe('keep me');

    // The name is free again.
    const again = await inject('POST', '/users', admin, {
      username: user.username,
      password: 'password-123',
    });
    expect(again.statusCode).toBe(201);
  });

  it('deleting an unknown user is 404', async () => {
    const res = await inject('DELETE', '/users/00000000-0000-4000-8000-000000000000', admin);
    expect(res.statusCode).toBe(404);
  });
});
