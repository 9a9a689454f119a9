import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DriveEvent, FileVersion, FileVersionList, Item } from '@idrive/shared';
import { davClient } from '../../test/helpers/dav-client.js';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const CHUNK = 65536;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Saving, replacing, listing, reading, restoring and deleting a file's versions. */
describeEachDb('version history', (dialect) => {
  let t: TestApp;
  let me: DriveClient & { userId: string; root: string };

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
    me = await newDriveUser(t);
  });
  afterAll(() => t.close());

  async function versions(fileId: string, client: DriveClient = me): Promise<FileVersion[]> {
    const res = await client.request('GET', `/files/${fileId}/versions`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<FileVersionList>().versions;
  }

  async function save(fileId: string, body: Buffer): Promise<void> {
    const res = await me.request('PUT', `/files/${fileId}/content`, body, { 'content-type': 'text/plain' });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** Every chunk object the local store holds. */
  async function storedObjects(): Promise<string[]> {
    const entries = await readdir(path.join(t.dataDir, 'chunks'), { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  }

  async function chunkKeys(versionId: string): Promise<string[]> {
    return (await t.drive.repos.versions.chunks(versionId)).map((c) => c.locator!);
  }

  it('keeps every version a save or replacing upload replaced; restoring the first makes a new current one', async () => {
    const original = randomBytes(3 * CHUNK + 100);
    const file = await me.upload(me.root, 'report.bin', original);
    await save(file.id, randomBytes(1000));
    await save(file.id, randomBytes(2 * CHUNK));
    const third = randomBytes(500);
    await me.upload(me.root, 'report.bin', third, '?conflict=replace');

    const four = await versions(file.id);
    expect(four.map((v) => v.current)).toEqual([true, false, false, false]);
    expect(four.map((v) => v.size)).toEqual([500, 2 * CHUNK, 1000, original.length]);
    expect(four[0]!.sha256).toBe(sha256(third));
    expect(four[3]!.sha256).toBe(sha256(original));
    const username = (await me.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    expect(four.every((v) => v.author?.id === me.userId && v.author.username === username)).toBe(true);

    // The restore shares the first version's stored chunks: nothing is stored again.
    const objects = await storedObjects();
    const first = four[3]!;
    const restored = await me.request('POST', `/files/${file.id}/versions/${first.id}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json<Item>()).toMatchObject({ id: file.id, name: 'report.bin', size: original.length });
    expect(sha256(await me.content(file.id))).toBe(sha256(original));
    expect((await storedObjects()).sort()).toEqual(objects.sort());

    const five = await versions(file.id);
    expect(five).toHaveLength(5);
    expect(five[0]).toMatchObject({ current: true, size: original.length, sha256: sha256(original) });
    expect(five[0]!.id).not.toBe(first.id);
    expect(five.slice(1).map((v) => v.id)).toEqual(four.map((v) => v.id));
    expect(await me.size(me.root)).toBe(original.length);
  });

  it('serves an earlier version with Range, and as an inline preview', async () => {
    const first = randomBytes(2 * CHUNK + 7);
    const file = await me.upload(me.root, 'photo.bin', first);
    await save(file.id, Buffer.from('now something else'));
    const earlier = (await versions(file.id))[1]!;
    const url = `/files/${file.id}/versions/${earlier.id}/content`;

    const part = await me.request('GET', url, undefined, { range: `bytes=${CHUNK - 5}-${CHUNK + 4}` });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes ${CHUNK - 5}-${CHUNK + 4}/${first.length}`);
    expect(part.rawPayload.equals(first.subarray(CHUNK - 5, CHUNK + 5))).toBe(true);

    const whole = await me.request('GET', `${url}?disposition=attachment`);
    expect(whole.rawPayload.equals(first)).toBe(true);
    expect(whole.headers['content-disposition']).toMatch(/^attachment/);
    expect(whole.headers.etag).toBe(`"${sha256(first)}"`);
    const inline = await me.request('GET', url);
    expect(inline.headers['content-disposition']).toMatch(/^inline/);
    expect(inline.headers['content-security-policy']).toContain('sandbox');
    const head = await t.drive.app.inject({
      method: 'HEAD',
      url: `/api/v1${url}`,
      headers: bearer(me.token),
    });
    expect(head.headers['content-length']).toBe(String(first.length));

    // The current version is served too; another file's version is not found through this one.
    const current = (await versions(file.id))[0]!;
    expect((await me.request('GET', `/files/${file.id}/versions/${current.id}/content`)).body).toBe(
      'now something else',
    );
    const other = await me.upload(me.root, 'other.txt', 'other');
    expect((await me.request('GET', `/files/${other.id}/versions/${earlier.id}/content`)).statusCode).toBe(
      404,
    );
  });

  it('deleting an earlier version frees its chunks; the current one cannot be deleted', async () => {
    const file = await me.upload(me.root, 'draft.bin', randomBytes(2 * CHUNK));
    await save(file.id, Buffer.from('final'));
    const [current, earlier] = await versions(file.id);
    const keys = await chunkKeys(earlier!.id);

    const refused = await me.request('DELETE', `/files/${file.id}/versions/${current!.id}`);
    expect(refused.statusCode).toBe(409);
    expect(errorCode(refused)).toBe('conflict');
    expect((await me.request('DELETE', `/files/${file.id}/versions/${file.id}`)).statusCode).toBe(404);

    const deleted = await me.request('DELETE', `/files/${file.id}/versions/${earlier!.id}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect((await versions(file.id)).map((v) => v.id)).toEqual([current!.id]);
    const queued = (await t.drive.repos.versions.garbage(10_000)).map((g) => g.locator);
    expect(queued).toEqual(expect.arrayContaining(keys));
    await t.drive.maintenance.collectGarbage();
    const left = await storedObjects();
    expect(keys.filter((k) => left.includes(k))).toEqual([]);
    expect((await me.content(file.id)).toString()).toBe('final');
  });

  it('keeps a deleted version that a copy of the file still holds', async () => {
    const body = randomBytes(CHUNK + 1);
    const file = await me.upload(me.root, 'shared.bin', body);
    const copied = await me.request('POST', '/items/copy', { ids: [file.id], parentId: me.root });
    const copy = copied.json<{ items: Item[] }>().items[0]!;
    await save(file.id, Buffer.from('changed'));
    const earlier = (await versions(file.id))[1]!;
    const keys = await chunkKeys(earlier.id);

    expect((await me.request('DELETE', `/files/${file.id}/versions/${earlier.id}`)).statusCode).toBe(200);
    const queued = (await t.drive.repos.versions.garbage(10_000)).map((g) => g.locator);
    expect(queued.filter((k) => keys.includes(k))).toEqual([]);
    await t.drive.maintenance.collectGarbage();
    expect((await me.content(copy.id)).equals(body)).toBe(true);
    expect((await versions(copy.id)).map((v) => v.id)).toEqual([earlier.id]);
  });

  it('keeps the chunks a restored version shares when the version it came from is deleted', async () => {
    const body = randomBytes(2 * CHUNK + 3);
    const file = await me.upload(me.root, 'back.bin', body);
    await save(file.id, Buffer.from('overwritten'));
    const first = (await versions(file.id))[1]!;
    expect((await me.request('POST', `/files/${file.id}/versions/${first.id}/restore`)).statusCode).toBe(200);
    const objects = await storedObjects();

    expect((await me.request('DELETE', `/files/${file.id}/versions/${first.id}`)).statusCode).toBe(200);
    await t.drive.maintenance.collectGarbage();
    for (const key of await chunkKeys((await versions(file.id))[0]!.id)) {
      expect(objects).toContain(key);
      expect(await storedObjects()).toContain(key);
    }
    expect((await me.content(file.id)).equals(body)).toBe(true);
  });

  it("answers 404 to a user naming someone else's file or version, and changes nothing", async () => {
    const file = await me.upload(me.root, 'mine.txt', 'one');
    await save(file.id, Buffer.from('two'));
    const earlier = (await versions(file.id))[1]!;
    const viewer = await newDriveUser(t);
    const base = `/files/${file.id}/versions`;
    for (const [method, url] of [
      ['GET', base],
      ['GET', `${base}/${earlier.id}/content`],
      ['POST', `${base}/${earlier.id}/restore`],
      ['DELETE', `${base}/${earlier.id}`],
    ] as const) {
      const res = await viewer.request(method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    // Their own file does not open my version either.
    const theirs = await viewer.upload(viewer.root, 'theirs.txt', 'x');
    const res = await viewer.request('GET', `/files/${theirs.id}/versions/${earlier.id}/content`);
    expect(res.statusCode).toBe(404);
    expect(await versions(file.id)).toHaveLength(2);
    expect((await me.content(file.id)).toString()).toBe('two');
  });

  it('shows no versions of a file in a locked folder until the folder is unlocked', async () => {
    const vault = await me.mkdir(me.root, 'vault');
    const file = await me.upload(vault.id, 'inside.txt', 'one');
    await save(file.id, Buffer.from('two'));
    expect(
      (await me.request('POST', `/folders/${vault.id}/lock`, { password: 'vault-password-1' })).statusCode,
    ).toBe(201);
    const username = (await me.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const other = driveClient(t, await t.login(username, 'user-password-1'));
    const closed = await other.request('GET', `/files/${file.id}/versions`);
    expect(closed.statusCode).toBe(423);
    expect(errorCode(closed)).toBe('locked');
    await other.request('POST', `/folders/${vault.id}/unlock`, { password: 'vault-password-1' });
    expect(await versions(file.id, other)).toHaveLength(2);
  });

  it('announces a restore as a save is announced, and a deleted version to the other tabs', async () => {
    await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.drive.app.server.address() as AddressInfo;
    const socket = await openEventSocket(`ws://127.0.0.1:${port}/api/v1/events`, bearer(me.token));
    try {
      await socket.waitFor((e) => e.type === 'ready');
      const file = await me.upload(me.root, 'live.txt', 'one');
      await save(file.id, Buffer.from('two'));
      const earlier = (await versions(file.id))[1]!;
      const updated = (e: DriveEvent) =>
        e.type === 'item.updated' && e.item.id === file.id && e.change === 'content';
      await socket.waitFor(updated);
      const seen = socket.received.filter(updated).length;
      await me.request('POST', `/files/${file.id}/versions/${earlier.id}/restore`);
      await expect.poll(() => socket.received.filter(updated).length).toBe(seen + 1);
      await me.request('DELETE', `/files/${file.id}/versions/${earlier.id}`);
      const changed = await socket.waitFor((e) => e.type === 'item.versions' && e.item.id === file.id);
      expect(changed).toMatchObject({ parentId: me.root, ancestorIds: [me.root] });
    } finally {
      await socket.close();
    }
  });

  it('keeps the version a WebDAV PUT over an existing file replaced', async () => {
    const username = (await me.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const dav = davClient(t, username);
    expect((await dav('PUT', '/dav/notes.md', { body: 'first draft' })).statusCode).toBe(201);
    expect((await dav('PUT', '/dav/notes.md', { body: 'second draft' })).statusCode).toBe(204);
    const file = (await me.list(me.root)).items.find((i) => i.name === 'notes.md')!;
    const [current, earlier] = await versions(file.id);
    expect(current!.size).toBe('second draft'.length);
    const old = await me.request('GET', `/files/${file.id}/versions/${earlier!.id}/content`);
    expect(old.body).toBe('first draft');
  });

  it('keeps the version a resumable (tus) upload over an existing file replaced', async () => {
    const first = randomBytes(CHUNK + 10);
    const file = await me.upload(me.root, 'big.bin', first);
    const next = randomBytes(2 * CHUNK + 5);
    const meta = { filename: 'big.bin', parentId: me.root, conflict: 'replace' };
    const tus = { 'tus-resumable': '1.0.0' };
    const created = await me.request('POST', '/uploads', undefined, {
      ...tus,
      'upload-length': String(next.length),
      'upload-metadata': Object.entries(meta)
        .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
        .join(','),
    });
    expect(created.statusCode, created.body).toBe(201);
    const patched = await me.request('PATCH', created.headers.location as string, next, {
      ...tus,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': '0',
    });
    expect(patched.statusCode, patched.body).toBe(204);
    const [current, earlier] = await versions(file.id);
    expect([current!.sha256, earlier!.sha256]).toEqual([sha256(next), sha256(first)]);
  });

  it('refuses versions of a folder, and restoring in the trash, with nothing changed', async () => {
    const folder = await me.mkdir(me.root, 'not-a-file');
    expect((await me.request('GET', `/files/${folder.id}/versions`)).statusCode).toBe(400);
    const file = await me.upload(me.root, 'binned.txt', 'one');
    await save(file.id, Buffer.from('two'));
    const earlier = (await versions(file.id))[1]!;
    await me.trash(file.id);
    const res = await me.request('POST', `/files/${file.id}/versions/${earlier.id}/restore`);
    expect(res.statusCode).toBe(409);
    expect(await versions(file.id)).toHaveLength(2);
    expect((await me.request('GET', `/files/${file.id}/versions/not-a-uuid/content`)).statusCode).toBe(400);
  });
});
