import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { DownloadProgressEvent, DriveEvent, Item } from '@idrive/shared';
import { download } from '../../test/helpers/download.js';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket, type EventSocket } from '../../test/helpers/event-socket.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const MiB = 1024 * 1024;
const PASSWORD = 'user-password-1';

const progressOf =
  (downloadId: string, match: (e: DownloadProgressEvent) => boolean = () => true) =>
  (event: DriveEvent): event is DownloadProgressEvent =>
    event.type === 'download.progress' && event.downloadId === downloadId && match(event);
const ended = (e: DownloadProgressEvent) => ['done', 'failed', 'cancelled'].includes(e.state);

let counter = 0;
const newId = () => `test-download-${String(++counter).padStart(6, '0')}`;

describeEachDb('downloads followed by the page', (dialect) => {
  let t: TestApp;
  let api: string;
  let ws: string;
  /** The owner's session that downloads, another session of the owner, and a stranger. */
  let owner: DriveClient & { userId: string; root: string };
  let otherDevice: DriveClient;
  let stranger: DriveClient & { root: string };
  let sockets: EventSocket[] = [];
  /** A folder of 3 × 8 MiB (enough to fill the socket buffers of a client that stops reading). */
  let big: Item;
  /** A folder with a subfolder and three files: 4 entries (the top folder is not one). */
  let small: Item;

  beforeAll(async () => {
    // One plan at a time, so a test can hold a zip in its preparing state.
    t = await startTestApp({ dialect, overrides: { zipPlanning: { total: 1 } } });
    const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    api = `${base}/api/v1`;
    ws = `ws://127.0.0.1:${(t.drive.app.server.address() as AddressInfo).port}/api/v1/events`;
    owner = await newDriveUser(t);
    const me = (await owner.request('GET', '/auth/me')).json<{ user: { username: string } }>();
    otherDevice = driveClient(t, await t.login(me.user.username, PASSWORD));
    stranger = await newDriveUser(t);
    big = await owner.mkdir(owner.root, 'big');
    for (const name of ['a.bin', 'b.bin', 'c.bin']) await owner.upload(big.id, name, randomBytes(8 * MiB));
    small = await owner.mkdir(owner.root, 'small');
    const inner = await owner.mkdir(small.id, 'inner');
    await owner.upload(small.id, 'one.txt', 'one');
    await owner.upload(small.id, 'two.txt', 'two two');
    await owner.upload(inner.id, 'three.bin', randomBytes(200_000));
  });
  afterEach(async () => {
    for (const socket of sockets) await socket.close();
    sockets = [];
  });
  afterAll(() => t.close());

  async function socketOf(client: DriveClient): Promise<EventSocket> {
    const socket = await openEventSocket(ws, bearer(client.token));
    sockets.push(socket);
    await socket.waitFor((e) => e.type === 'ready');
    return socket;
  }

  /**
   * Waits for an event published now to reach `socket`: anything published before it has then
   * arrived too, or never will (every socket gets events in id order).
   */
  async function settled(socket: EventSocket, client: DriveClient & { root: string }): Promise<void> {
    const marker = await client.mkdir(client.root, `marker ${newId()}`);
    await socket.waitFor((e) => e.type === 'item.created' && e.item.id === marker.id);
  }

  /** The owner's zip of the big folder, sending, its reader paused until `resume`. */
  async function pausedZip() {
    const mine = await socketOf(owner);
    const id = newId();
    let resume!: () => void;
    const reading = download(`${api}/folders/${big.id}/zip?download=${id}`, bearer(owner.token), {
      pauseUntil: new Promise<void>((resolve) => (resume = resolve)),
    });
    await mine.waitFor(
      progressOf(id, (e) => e.sentBytes > 0),
      5000,
    );
    return { mine, id, resume, reading };
  }

  it('follows a zip to "done" on the socket of its session, with the totals, and nobody else hears it', async () => {
    const mine = await socketOf(owner);
    const elsewhere = await socketOf(otherDevice);
    const theirs = await socketOf(stranger);
    const id = newId();
    const got = await download(`${api}/folders/${small.id}/zip?download=${id}`, bearer(owner.token));
    expect(got).toMatchObject({ status: 200, complete: true });

    const done = await mine.waitFor(progressOf(id, ended));
    expect(done).toMatchObject({
      kind: 'zip',
      name: 'small.zip',
      state: 'done',
      sentBytes: got.bytes,
      totalBytes: got.bytes,
      entriesDone: 4,
      entriesTotal: 4,
      error: null,
    });
    const heard = mine.received.filter(progressOf(id));
    expect(heard[0]).toMatchObject({ state: 'preparing', name: null, totalBytes: null, entriesTotal: null });
    expect(heard.at(-1)).toBe(done);
    const sent = heard.map((e) => e.sentBytes);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));

    for (const [socket, client] of [
      [elsewhere, owner],
      [theirs, stranger],
    ] as const) {
      await settled(socket, client);
      expect(socket.received.filter(progressOf(id))).toEqual([]);
    }
  });

  it('counts a resumed file download from where its range starts', async () => {
    const mine = await socketOf(owner);
    const file = (await owner.list(big.id)).items[0]!;
    const id = newId();
    const got = await download(`${api}/files/${file.id}/content?download=${id}`, {
      ...bearer(owner.token),
      range: `bytes=${5 * MiB}-`,
    });
    expect(got).toMatchObject({ status: 206, bytes: 3 * MiB, complete: true });
    const done = await mine.waitFor(progressOf(id, ended));
    expect(done).toMatchObject({
      kind: 'file',
      name: file.name,
      state: 'done',
      sentBytes: 8 * MiB,
      totalBytes: 8 * MiB,
      entriesDone: null,
    });
    const sending = mine.received.filter(progressOf(id, (e) => e.state === 'sending'));
    for (const e of sending) expect(e.sentBytes).toBeGreaterThanOrEqual(5 * MiB);
  });

  it("cancel ends the response early; a stranger's cancel answers 404 and changes nothing", async () => {
    const { mine, id, resume, reading } = await pausedZip();

    const refused = await stranger.request('POST', `/downloads/${id}/cancel`);
    expect(refused.statusCode).toBe(404);
    expect(errorCode(refused)).toBe('not_found');
    await settled(mine, owner);
    expect(mine.received.filter(progressOf(id, ended))).toEqual([]);

    // Any session of the user may cancel it.
    const cancelled = await otherDevice.request('POST', `/downloads/${id}/cancel`);
    expect(cancelled.statusCode).toBe(202);
    const last = await mine.waitFor(progressOf(id, ended));
    resume();
    const got = await reading;
    expect(last.state).toBe('cancelled');
    expect(last.totalBytes).toBeGreaterThan(24 * MiB);
    expect(got.complete).toBe(false);
    expect(got.bytes).toBeLessThan(last.totalBytes!);

    // The browser retries a download cut short at the same address: it stays stopped, quietly.
    const retry = await owner.request('GET', `/folders/${big.id}/zip?download=${id}`, undefined, {
      range: `bytes=${got.bytes}-`,
    });
    expect(retry.statusCode).toBe(410);
    expect((await owner.request('POST', `/downloads/${id}/cancel`)).statusCode).toBe(404);
    await settled(mine, owner);
    expect(mine.received.filter(progressOf(id, ended))).toEqual([last]);
  });

  it("lets a stranger's cancel leave a download to finish", async () => {
    const { mine, id, resume, reading } = await pausedZip();
    expect((await stranger.request('POST', `/downloads/${id}/cancel`)).statusCode).toBe(404);
    resume();
    expect(await reading).toMatchObject({ status: 200, complete: true });
    expect(await mine.waitFor(progressOf(id, ended), 5000)).toMatchObject({ state: 'done' });
  });

  it('cancels a zip while it is prepared: it never starts', async () => {
    const mine = await socketOf(owner);
    const id = newId();
    // Planning waits its turn behind this one.
    let release!: () => void;
    const busy = t.drive.context.zipPlanning.run('elsewhere', async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { entries: 1 };
    });
    const reading = download(`${api}/folders/${small.id}/zip?download=${id}`, bearer(owner.token));
    const preparing = await mine.waitFor(progressOf(id));
    expect(preparing.state).toBe('preparing');
    expect((await owner.request('POST', `/downloads/${id}/cancel`)).statusCode).toBe(202);
    expect(await mine.waitFor(progressOf(id, ended))).toMatchObject({ state: 'cancelled', sentBytes: 0 });
    release();
    await busy;
    await expect(reading).rejects.toThrow();
  });

  it('reports a refused download as failed with the error the browser got, before or in its handler', async () => {
    const mine = await socketOf(owner);
    const trashed = await owner.mkdir(owner.root, 'thrown away');
    await owner.trash(trashed.id);
    const inTrash = newId();
    const res = await owner.request('GET', `/folders/${trashed.id}/zip?download=${inTrash}`);
    expect(res.statusCode).toBe(409);
    expect(await mine.waitFor(progressOf(inTrash, ended))).toMatchObject({
      state: 'failed',
      error: { code: 'conflict', message: res.json<{ error: { message: string } }>().error.message },
    });

    // A closed locked folder is refused by the access checks, before the handler runs.
    const vault = await owner.mkdir(owner.root, 'vault');
    await owner.request('POST', `/folders/${vault.id}/lock`, { password: 'vault-password-1' });
    await owner.request('POST', `/folders/${vault.id}/relock`);
    const locked = newId();
    expect((await owner.request('GET', `/folders/${vault.id}/zip?download=${locked}`)).statusCode).toBe(423);
    expect(await mine.waitFor(progressOf(locked, ended))).toMatchObject({
      state: 'failed',
      name: null,
      error: { code: 'locked' },
    });
  });

  it('refuses a malformed download id, and follows nothing without one', async () => {
    const mine = await socketOf(owner);
    for (const bad of ['short', 'has space in it 12345', 'x'.repeat(44), 'semi;colon-123456789']) {
      const res = await owner.request('GET', `/folders/${small.id}/zip?download=${encodeURIComponent(bad)}`);
      expect(res.statusCode, bad).toBe(400);
      expect((await owner.request('POST', `/downloads/${encodeURIComponent(bad)}/cancel`)).statusCode).toBe(
        400,
      );
    }
    expect((await owner.request('GET', `/folders/${small.id}/zip`)).statusCode).toBe(200);
    await settled(mine, owner);
    expect(mine.received.filter((e) => e.type === 'download.progress')).toEqual([]);
  });
});
