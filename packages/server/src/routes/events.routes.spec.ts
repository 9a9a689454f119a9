import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventsCloseCodes, type DriveEvent, type Item, type SessionList } from '@idrive/shared';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket, RefusedUpgrade, type EventSocket } from '../../test/helpers/event-socket.js';
import { bearer, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const CHUNK = 4 * 65536;
const PASSWORD = 'user-password-1';

type Of<T extends DriveEvent['type']> = Extract<DriveEvent, { type: T }>;
const is =
  <T extends DriveEvent['type']>(type: T, match: (event: Of<T>) => boolean = () => true) =>
  (event: DriveEvent): event is Of<T> =>
    event.type === type && match(event as Of<T>);

const tusMetadata = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

describeEachDb('live events over a websocket', (dialect) => {
  let t: TestApp;
  let url: string;
  let origin: string;
  /** One user on two devices (sessions), each with a socket, and a stranger with one. */
  let owner: DriveClient & { userId: string; root: string };
  let device2: DriveClient;
  let a: EventSocket;
  let b: EventSocket;
  let stranger: EventSocket;

  const events = (token: string, query = '') => openEventSocket(`${url}${query}`, bearer(token));
  /** A second sign-in of the owner: another device, with its own session. */
  const signInAgain = async () => {
    const me = await owner.request('GET', '/auth/me');
    return t.login(me.json<{ user: { username: string } }>().user.username, PASSWORD);
  };

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
    await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.drive.app.server.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
    url = `ws://127.0.0.1:${port}/api/v1/events`;
    owner = await newDriveUser(t);
    const other = await newDriveUser(t);
    device2 = driveClient(t, await signInAgain());
    a = await events(owner.token);
    b = await events(device2.token);
    stranger = await events(other.token);
  });
  afterAll(async () => {
    for (const socket of [a, b, stranger]) await socket?.close();
    await t.close();
  });

  it('starts each socket with a ready cursor', async () => {
    for (const socket of [a, b, stranger]) await socket.waitFor(is('ready'));
  });

  it("shows each device the other's changes within a second, and a stranger none of them", async () => {
    const folder = await owner.mkdir(owner.root, 'projects');
    for (const socket of [a, b]) {
      const created = await socket.waitFor(is('item.created', (e) => e.item.id === folder.id));
      expect(created).toMatchObject({ parentId: owner.root, ancestorIds: [owner.root] });
      expect(created.item).toEqual(folder);
    }

    const renamed = (await device2.request('PATCH', `/items/${folder.id}`, { name: 'work' })).json<Item>();
    for (const socket of [a, b]) {
      const updated = await socket.waitFor(is('item.updated', (e) => e.item.id === folder.id));
      expect(updated.change).toBe('renamed');
      expect(updated.item.name).toBe(renamed.name);
    }

    const archive = await owner.mkdir(owner.root, 'archive');
    await device2.request('PATCH', `/items/${folder.id}`, { parentId: archive.id });
    for (const socket of [a, b]) {
      const moved = await socket.waitFor(is('item.moved', (e) => e.item.id === folder.id));
      expect(moved.from).toEqual({ parentId: owner.root, ancestorIds: [owner.root] });
      expect(moved).toMatchObject({ parentId: archive.id, ancestorIds: [owner.root, archive.id] });
    }

    const file = await owner.upload(folder.id, 'notes.txt', 'first draft');
    for (const socket of [a, b]) {
      const created = await socket.waitFor(is('item.created', (e) => e.item.id === file.id));
      expect(created.item).toMatchObject({ name: 'notes.txt', size: 11, type: 'file' });
      expect(created.ancestorIds).toEqual([owner.root, archive.id, folder.id]);
    }
    await device2.upload(folder.id, 'notes.txt', 'second draft!', '?conflict=replace');
    for (const socket of [a, b]) {
      const replaced = await socket.waitFor(is('item.updated', (e) => e.change === 'content'));
      expect(replaced.item).toMatchObject({ id: file.id, size: 13 });
    }

    const results = await device2.batch(folder.id, [
      { path: 'photos/a.jpg', data: 'aaaa' },
      { path: 'b.txt', data: 'bb' },
    ]);
    const photos = (await owner.list(folder.id)).items.find((i) => i.name === 'photos')!;
    for (const socket of [a, b]) {
      await socket.waitFor(is('item.created', (e) => e.item.id === photos.id && e.parentId === folder.id));
      for (const result of results) {
        const created = await socket.waitFor(is('item.created', (e) => e.item.id === result.item?.id));
        expect(created.parentId).toBe(result.path.startsWith('photos/') ? photos.id : folder.id);
      }
    }

    const copy = (await owner.request('POST', '/items/copy', { ids: [file.id], parentId: owner.root })).json<{
      items: Item[];
    }>().items[0]!;
    for (const socket of [a, b]) {
      const copied = await socket.waitFor(is('item.copied', (e) => e.item.id === copy.id));
      expect(copied).toMatchObject({ sourceId: file.id, parentId: owner.root });
    }

    await device2.trash(folder.id);
    for (const socket of [a, b]) {
      const trashed = await socket.waitFor(is('item.deleted', (e) => e.item.id === folder.id));
      expect(trashed.reason).toBe('trashed');
      expect(trashed.item.trashedAt).not.toBeNull();
      expect(trashed.parentId).toBe(archive.id);
    }
    await owner.restore(folder.id);
    for (const socket of [a, b]) {
      const restored = await socket.waitFor(is('item.restored', (e) => e.item.id === folder.id));
      expect(restored).toMatchObject({ parentId: archive.id, item: { trashedAt: null } });
    }
    await owner.trash(copy.id);
    await device2.request('POST', '/trash/delete', { ids: [copy.id] });
    for (const socket of [a, b]) {
      await socket.waitFor(is('item.deleted', (e) => e.item.id === copy.id && e.reason === 'purged'));
    }

    // A resumable upload in two PATCHes: the first half is announced before the second is sent.
    const size = 3 * CHUNK;
    const tusHeaders = { ...bearer(device2.token), 'tus-resumable': '1.0.0' };
    const created = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        ...tusHeaders,
        'upload-length': String(size),
        'upload-metadata': tusMetadata({ filename: 'movie.bin', parentId: folder.id }),
      },
    });
    const location = created.headers.location as string;
    const patch = (offset: number, length: number) =>
      t.drive.app.inject({
        method: 'PATCH',
        url: location,
        headers: {
          ...tusHeaders,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(offset),
        },
        payload: Buffer.alloc(length, 7),
      });
    expect((await patch(0, size / 2)).statusCode).toBe(204);
    for (const socket of [a, b]) {
      const progress = await socket.waitFor(is('upload.progress', (e) => e.receivedBytes === size / 2));
      expect(progress).toMatchObject({
        uploadId: location.split('/').pop(),
        name: 'movie.bin',
        totalBytes: size,
        parentId: folder.id,
      });
    }
    expect((await patch(size / 2, size / 2)).statusCode).toBe(204);
    for (const socket of [a, b]) {
      await socket.waitFor(is('item.created', (e) => e.item.name === 'movie.bin' && e.item.size === size));
    }

    // Publishing is synchronous: had the stranger been sent anything, it would be here by now.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stranger.received.map((e) => e.type)).toEqual(['ready']);
  });

  it('numbers events in increasing order', () => {
    const ids = a.received.map((e) => e.id);
    expect(ids.length).toBeGreaterThan(15);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('announces nothing for a change that is rolled back', async () => {
    const keep = await owner.upload(owner.root, 'keep.txt', 'k');
    const gone = await owner.upload(owner.root, 'gone.txt', 'g');
    await owner.trash(gone.id);
    await a.waitFor(is('item.deleted', (e) => e.item.id === gone.id));
    // The first copy is made, then the trashed one fails the request: neither happened.
    const copy = await owner.request('POST', '/items/copy', {
      ids: [keep.id, gone.id],
      parentId: owner.root,
    });
    expect(copy.statusCode).toBe(409);
    const trash = await owner.request('POST', '/items/trash', { ids: [keep.id, owner.root] });
    expect(trash.statusCode).toBe(400);
    const marker = await owner.mkdir(owner.root, 'after the failures');
    await a.waitFor(is('item.created', (e) => e.item.id === marker.id));
    const last = a.received.findIndex((e) => e.type === 'item.deleted' && e.item.id === gone.id);
    expect(a.received.slice(last + 1).map((e) => e.type)).toEqual(['item.created']);
  });

  it('replays what a reconnecting client missed, after its cursor and only its own', async () => {
    const socket = await events(owner.token);
    const cursor = (await socket.waitFor(is('ready'))).id;
    await socket.close();

    const someone = await newDriveUser(t);
    const first = await owner.mkdir(owner.root, 'while away 1');
    await someone.mkdir(someone.root, 'not mine');
    const second = await device2.mkdir(owner.root, 'while away 2');

    const back = await events(owner.token, `?since=${cursor}`);
    const ready = await back.waitFor(is('ready'));
    expect(back.received.map((e) => e.type)).toEqual(['item.created', 'item.created', 'ready']);
    expect(back.received.map((e) => (e.type === 'item.created' ? e.item.id : null))).toEqual([
      first.id,
      second.id,
      null,
    ]);
    expect(ready.id).toBeGreaterThan(cursor);

    // Live events follow the replay.
    const third = await owner.mkdir(owner.root, 'back again');
    await back.waitFor(is('item.created', (e) => e.item.id === third.id));
    await back.close();
  });

  it('tells a client to resync when its cursor is older than what is kept', async () => {
    const socket = await events(owner.token, '?since=1');
    expect((await socket.waitFor(() => true)).type).toBe('resync');
    const folder = await owner.mkdir(owner.root, 'after resync');
    await socket.waitFor(is('item.created', (e) => e.item.id === folder.id));
    await socket.close();
  });

  it('refuses an upgrade without a valid session with 401, and a bad cursor with 400', async () => {
    const refused = async (promise: Promise<unknown>) => {
      const err = await promise.then(
        () => expect.fail('the upgrade was accepted'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RefusedUpgrade);
      return err as RefusedUpgrade;
    };
    const none = await refused(openEventSocket(url));
    expect([none.status, none.code]).toEqual([401, 'unauthorized']);
    const badToken = await refused(openEventSocket(url, bearer('not-a-token')));
    expect([badToken.status, badToken.code]).toEqual([401, 'unauthorized']);
    const badQuery = await refused(openEventSocket(`${url}?access_token=not-a-token`));
    expect(badQuery.status).toBe(401);
    const badCursor = await refused(events(owner.token, '?since=yesterday'));
    expect([badCursor.status, badCursor.code]).toEqual([400, 'validation_failed']);

    const plain = await owner.request('GET', '/api/v1/events');
    expect(plain.statusCode).toBe(426);
  });

  it('takes a token in the query string, for scripts', async () => {
    const socket = await openEventSocket(`${url}?access_token=${owner.token}`);
    await socket.waitFor(is('ready'));
    await socket.close();
  });

  it("refuses a cookie-signed upgrade from another site's page, and takes one from this site", async () => {
    const cookie = { cookie: `idrive_session=${owner.token}` };
    const foreignOrigins: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      {},
    ];
    for (const foreign of foreignOrigins) {
      const err = await openEventSocket(url, { ...cookie, ...foreign }).then(
        () => null,
        (e: unknown) => e as RefusedUpgrade,
      );
      expect(err?.status, JSON.stringify(foreign)).toBe(403);
      expect(err?.code).toBe('forbidden');
    }
    const own = await openEventSocket(url, { ...cookie, origin });
    await own.waitFor(is('ready'));
    await own.close();
    // A bearer token cannot ride along from another site, so its Origin does not matter.
    const script = await openEventSocket(url, {
      ...bearer(owner.token),
      origin: 'https://elsewhere.example',
    });
    await script.waitFor(is('ready'));
    await script.close();
  });

  it("closes a session's sockets when it signs out or is revoked, and only those", async () => {
    const laptop = await signInAgain();
    const phone = await signInAgain();
    const laptopSocket = await events(laptop);
    const phoneSocket = await events(phone);
    const stays = await events(owner.token);
    for (const socket of [laptopSocket, phoneSocket, stays]) await socket.waitFor(is('ready'));
    const sessionOf = async (token: string) =>
      (await t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(token) }))
        .json<SessionList>()
        .sessions.find((s) => s.current)!.id;
    const laptopSession = await sessionOf(laptop);
    const phoneSession = await sessionOf(phone);

    const logout = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: bearer(laptop),
    });
    expect(logout.statusCode).toBe(200);
    expect(await laptopSocket.closed).toEqual({ code: eventsCloseCodes.sessionEnded, reason: 'Signed out' });
    expect(laptopSocket.received.at(-1)).toMatchObject({
      type: 'session.ended',
      sessionIds: [laptopSession],
    });
    // The user's other devices hear of it (a device list can drop the entry).
    await stays.waitFor(is('session.ended', (e) => e.sessionIds.includes(laptopSession)));

    const revoke = await owner.request('DELETE', `/auth/sessions/${phoneSession}`);
    expect(revoke.statusCode).toBe(200);
    expect((await phoneSocket.closed).code).toBe(eventsCloseCodes.sessionEnded);

    const folder = await owner.mkdir(owner.root, 'still listening');
    await stays.waitFor(is('item.created', (e) => e.item.id === folder.id));
    expect(stays.ws.readyState).toBe(stays.ws.OPEN);
    await stays.close();
  });

  it('keeps what happens inside a locked folder from sessions that have not unlocked it', async () => {
    const vault = await owner.mkdir(owner.root, 'vault');
    const lock = await owner.request('POST', `/folders/${vault.id}/lock`, { password: 'vault-password-1' });
    expect(lock.statusCode).toBe(201);
    const other = await events(await signInAgain());
    await other.waitFor(is('ready'));

    const inside = await owner.mkdir(vault.id, 'secret plans');
    const outside = await owner.mkdir(owner.root, 'open plans');
    await a.waitFor(is('item.created', (e) => e.item.id === inside.id));
    await other.waitFor(is('item.created', (e) => e.item.id === outside.id));
    expect(other.received.some((e) => 'item' in e && e.item.id === inside.id)).toBe(false);

    // The locked folder's own entry stays visible, marked as locked.
    await owner.request('PATCH', `/items/${vault.id}`, { name: 'vault 2' });
    const renamed = await other.waitFor(is('item.updated', (e) => e.item.id === vault.id));
    expect(renamed.item.locked).toBe(true);
    await other.close();
  });
});
