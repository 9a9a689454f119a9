import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { identifyStored } from '../storage/identify.js';
import { loadOrCreateMasterKey } from '../storage/master-key.js';

const CHUNK = 4 * 65536;
const TUS = { 'tus-resumable': '1.0.0' };
const PATCH_TYPE = { 'content-type': 'application/offset+octet-stream' };

function metadata(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

async function rootOf(t: TestApp, token: string): Promise<string> {
  const res = await t.drive.app.inject({
    method: 'GET',
    url: '/api/v1/folders/root',
    headers: bearer(token),
  });
  return res.json<Listing>().folder.id;
}

function tusClient(t: TestApp, token: string) {
  const auth = { ...bearer(token), ...TUS };
  return {
    create: (size: number, meta: Record<string, string>) =>
      t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: { ...auth, 'upload-length': String(size), 'upload-metadata': metadata(meta) },
      }),
    head: (location: string) => t.drive.app.inject({ method: 'HEAD', url: location, headers: auth }),
    patch: (location: string, offset: number, body: Buffer) =>
      t.drive.app.inject({
        method: 'PATCH',
        url: location,
        headers: { ...auth, ...PATCH_TYPE, 'upload-offset': String(offset) },
        payload: body,
      }),
    remove: (location: string) => t.drive.app.inject({ method: 'DELETE', url: location, headers: auth }),
    download: (id: string) =>
      t.drive.app.inject({ method: 'GET', url: `/api/v1/files/${id}/content`, headers: bearer(token) }),
  };
}

describeEachDb('tus uploads', (dialect) => {
  let t: TestApp;
  let rootId: string;
  let tus: ReturnType<typeof tusClient>;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
    rootId = await rootOf(t, t.adminToken);
    tus = tusClient(t, t.adminToken);
  });
  afterAll(() => t.close());

  it('advertises the protocol on OPTIONS and requires Tus-Resumable', async () => {
    const options = await t.drive.app.inject({ method: 'OPTIONS', url: '/api/v1/uploads' });
    expect(options.statusCode).toBe(204);
    expect(options.headers['tus-version']).toBe('1.0.0');
    expect(options.headers['tus-extension']).toBe('creation,creation-defer-length,termination');
    const noVersion = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        ...bearer(t.adminToken),
        'upload-length': '5',
        'upload-metadata': metadata({ filename: 'x' }),
      },
    });
    expect(noVersion.statusCode).toBe(412);
  });

  it('rejects bad creation requests with 4xx and creates nothing', async () => {
    expect((await tus.create(5, {})).statusCode).toBe(400);
    expect((await tus.create(5, { filename: 'a/b' })).statusCode).toBe(400);
    expect((await tus.create(5, { filename: 'ok.txt', parentId: 'nope' })).statusCode).toBe(400);
    expect((await tus.create(5, { filename: 'ok.txt', conflict: 'merge' })).statusCode).toBe(400);
    const missingLength = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { ...bearer(t.adminToken), ...TUS, 'upload-metadata': metadata({ filename: 'x' }) },
    });
    expect(missingLength.statusCode).toBe(400);
    const listing = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root',
      headers: bearer(t.adminToken),
    });
    expect(listing.json<Listing>().items.some((i) => i.name === 'ok.txt')).toBe(false);
  });

  it('uploads in PATCHes that do not line up with chunks, and commits on the last byte', async () => {
    const body = randomBytes(2 * CHUNK + 777);
    const created = await tus.create(body.length, {
      filename: 'tus.bin',
      parentId: rootId,
      filetype: 'video/mp4',
    });
    expect(created.statusCode).toBe(201);
    const location = created.headers.location as string;
    expect(location).toMatch(/^\/api\/v1\/uploads\/[0-9a-f-]{36}$/);
    expect((await tus.head(location)).headers['upload-offset']).toBe('0');

    const cuts = [0, 1000, 70_000, CHUNK + 5, CHUNK + 6, 2 * CHUNK + 100, body.length];
    let fileId: string | undefined;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const res = await tus.patch(location, cuts[i]!, body.subarray(cuts[i], cuts[i + 1]));
      expect(res.statusCode).toBe(204);
      expect(res.headers['upload-offset']).toBe(String(cuts[i + 1]));
      const head = await tus.head(location);
      if (i + 2 < cuts.length) {
        expect(head.headers['upload-offset']).toBe(String(cuts[i + 1]));
        expect(head.headers['upload-length']).toBe(String(body.length));
        // Not visible until complete.
        const listing = await t.drive.app.inject({
          method: 'GET',
          url: '/api/v1/folders/root',
          headers: bearer(t.adminToken),
        });
        expect(listing.json<Listing>().items.some((item) => item.name === 'tus.bin')).toBe(false);
      } else {
        fileId = res.headers['x-idrive-file-id'] as string;
        expect(head.statusCode).toBe(404);
      }
    }
    const got = await tus.download(fileId!);
    expect(got.rawPayload.equals(body)).toBe(true);
    expect(got.headers['content-type']).toBe('video/mp4');
  });

  it('answers 409 to a PATCH at the wrong offset and 415 to a wrong content type', async () => {
    const location = (await tus.create(100, { filename: 'offsets.bin', parentId: rootId })).headers
      .location as string;
    const wrong = await tus.patch(location, 10, Buffer.alloc(10));
    expect(wrong.statusCode).toBe(409);
    expect(errorCode(wrong)).toBe('offset_mismatch');
    const badType = await t.drive.app.inject({
      method: 'PATCH',
      url: location,
      headers: { ...bearer(t.adminToken), ...TUS, 'content-type': 'application/json', 'upload-offset': '0' },
      payload: '{}',
    });
    expect(badType.statusCode).toBe(415);
    const tooLong = await tus.patch(location, 0, Buffer.alloc(101));
    expect(tooLong.statusCode).toBe(400);
    expect((await tus.head(location)).headers['upload-offset']).toBe('0');
  });

  it('commits an empty file at creation', async () => {
    const created = await tus.create(0, { filename: 'empty.bin', parentId: rootId });
    expect(created.statusCode).toBe(201);
    const fileId = created.headers['x-idrive-file-id'] as string;
    expect(fileId).toBeTruthy();
    const got = await tus.download(fileId);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.length).toBe(0);
  });

  it('terminates an upload and discards what it stored', async () => {
    const location = (await tus.create(3 * CHUNK, { filename: 'gone.bin', parentId: rootId })).headers
      .location as string;
    await tus.patch(location, 0, randomBytes(CHUNK + 10));
    expect((await tus.remove(location)).statusCode).toBe(204);
    expect((await tus.head(location)).statusCode).toBe(404);
    const { deleted } = await t.drive.maintenance.collectGarbage();
    expect(deleted).toBeGreaterThanOrEqual(1);
  });

  it('refuses a name taken in the folder under the default fail policy, before any byte is sent', async () => {
    await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${rootId}/files/taken.txt`,
      headers: bearer(t.adminToken),
      payload: Buffer.from('x'),
    });
    const res = await tus.create(10, { filename: 'taken.txt', parentId: rootId });
    expect(res.statusCode).toBe(409);
    const renamed = await tus.create(1, { filename: 'taken.txt', parentId: rootId, conflict: 'rename' });
    expect(renamed.statusCode).toBe(201);
    const done = await tus.patch(renamed.headers.location as string, 0, Buffer.from('y'));
    const id = done.headers['x-idrive-file-id'] as string;
    const item = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/items/${id}`,
      headers: bearer(t.adminToken),
    });
    expect(item.json<{ name: string }>().name).toBe('taken (1).txt');
  });

  it("keeps another user's upload out of reach", async () => {
    const other = await t.createUser();
    const location = (await tus.create(10, { filename: 'mine.bin', parentId: rootId })).headers
      .location as string;
    const theirs = tusClient(t, other.token);
    expect((await theirs.head(location)).statusCode).toBe(404);
    expect((await theirs.patch(location, 0, Buffer.alloc(10))).statusCode).toBe(404);
    expect((await theirs.remove(location)).statusCode).toBe(404);
    // Nor can they upload into my folder.
    expect((await theirs.create(10, { filename: 'x.bin', parentId: rootId })).statusCode).toBe(404);
  });
});

describe('tus uploads over a real connection', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({ configDb: true, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
    base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => t.close());

  it('keeps what arrived before the connection dropped, then resumes, also after a restart', async () => {
    const body = randomBytes(3 * CHUNK + 4321);
    const rootId = await rootOf(t, t.adminToken);
    const tus = tusClient(t, t.adminToken);
    const location = (await tus.create(body.length, { filename: 'dropped.bin', parentId: rootId })).headers
      .location as string;

    // Send 1.5 chunks of a PATCH that announces the whole file, then cut the connection.
    const sent = Math.floor(1.5 * CHUNK);
    await new Promise<void>((resolve) => {
      const req = http.request(`${base}${location}`, {
        method: 'PATCH',
        headers: {
          ...bearer(t.adminToken),
          ...TUS,
          ...PATCH_TYPE,
          'upload-offset': '0',
          'content-length': String(body.length),
        },
      });
      req.on('error', () => resolve());
      req.write(body.subarray(0, sent), () => setTimeout(() => req.destroy(), 200));
    });

    const offset = Number((await tus.head(location)).headers['upload-offset']);
    expect(offset).toBeGreaterThan(CHUNK);
    expect(offset).toBeLessThanOrEqual(sent);

    // Restart: a new app on the same data directory and database.
    await t.drive.close();
    const restarted = await startTestApp({
      dataDir: t.dataDir,
      configDb: true,
      env: { IDRIVE_CHUNK_SIZE: String(CHUNK) },
    });
    try {
      const again = tusClient(restarted, restarted.adminToken);
      expect(Number((await again.head(location)).headers['upload-offset'])).toBe(offset);
      const done = await again.patch(location, offset, body.subarray(offset));
      expect(done.statusCode).toBe(204);
      const fileId = done.headers['x-idrive-file-id'] as string;
      const got = await again.download(fileId);
      expect(got.rawPayload.equals(body)).toBe(true);
      // The running hash died with the first process: what was stored was read back and hashed
      // before the final chunk was sealed, so its trailer still names the whole file.
      const versionId = (await restarted.drive.repos.items.findById(fileId))!.version_id!;
      const last = (await restarted.drive.repos.versions.chunks(versionId)).at(-1)!;
      const { key } = await loadOrCreateMasterKey({
        keyFile: path.join(t.dataDir, 'master.key'),
        log: () => {},
      });
      const stored = await readFile(path.join(t.dataDir, 'chunks', last.locator!.slice(0, 2), last.locator!));
      expect(await identifyStored(key, stored, { verify: true })).toMatchObject({
        kind: 'chunk',
        versionId,
        index: 3,
        final: { chunks: 4, fileSize: body.length, sha256: createHash('sha256').update(body).digest('hex') },
      });
    } finally {
      await restarted.drive.close();
    }
  });
});
