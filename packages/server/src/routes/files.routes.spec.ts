import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, ItemDetails, Listing } from '@idrive/shared';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeEachDb('file content', (dialect) => {
  let t: TestApp;
  let auth: { authorization: string };
  let rootId: string;

  // A small chunk size puts chunk borders where the tests can reach them cheaply.
  const CHUNK = 4 * 65536;

  async function upload(name: string, body: Buffer, query = '', headers: Record<string, string> = {}) {
    return t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${rootId}/files/${encodeURIComponent(name)}${query}`,
      headers: { ...auth, 'content-type': 'application/octet-stream', ...headers },
      payload: body,
    });
  }

  function content(id: string, headers: Record<string, string> = {}, query = '') {
    return t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${id}/content${query}`,
      headers: { ...auth, ...headers },
    });
  }

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
    auth = bearer(t.adminToken);
    const root = await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: auth });
    rootId = root.json<Listing>().folder.id;
  });
  afterAll(() => t.close());

  it('stores a file and returns the same bytes with type, length, ETag and disposition', async () => {
    const body = randomBytes(3 * CHUNK + 12345);
    const res = await upload('zażółć gęślą.bin', body);
    expect(res.statusCode).toBe(201);
    const file = res.json<Item>();
    expect(file).toMatchObject({
      type: 'file',
      name: 'zażółć gęślą.bin',
      size: body.length,
      parentId: rootId,
    });

    const got = await content(file.id);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(body)).toBe(true);
    expect(got.headers['content-length']).toBe(String(body.length));
    expect(got.headers['accept-ranges']).toBe('bytes');
    expect(got.headers.etag).toBe(`"${sha256(body)}"`);
    expect(got.headers['content-disposition']).toContain("filename*=UTF-8''za%C5%BC%C3%B3%C5%82%C4%87");
    expect(got.headers['content-disposition']).toMatch(/^inline/);
    const attachment = await content(file.id, {}, '?disposition=attachment');
    expect(attachment.headers['content-disposition']).toMatch(/^attachment/);
  });

  it('keeps a declared content type and otherwise derives it from the extension', async () => {
    const declared = await upload('notes.data', Buffer.from('x'), '', {
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(declared.json<Item>().mimeType).toBe('text/plain; charset=utf-8');
    const derived = await upload('photo.png', Buffer.from('x'));
    expect(derived.json<Item>().mimeType).toBe('image/png');
    const got = await content(derived.json<Item>().id);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers single ranges with 206, suffix and open-ended ranges, and 416 outside the file', async () => {
    const body = randomBytes(2 * CHUNK + 100);
    const id = (await upload('ranges.bin', body)).json<Item>().id;
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 1],
      [`bytes=${body.length - 1}-`, body.length - 1, body.length],
      ['bytes=-100', body.length - 100, body.length],
      [`bytes=${CHUNK - 10}-${CHUNK + 10}`, CHUNK - 10, CHUNK + 11],
      [`bytes=65530-65545`, 65530, 65546],
      [`bytes=100-`, 100, body.length],
      [`bytes=5-${body.length + 1000}`, 5, body.length],
    ];
    for (const [range, start, end] of cases) {
      const res = await content(id, { range });
      expect(res.statusCode, range).toBe(206);
      expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end - 1}/${body.length}`);
      expect(res.rawPayload.equals(body.subarray(start, end)), range).toBe(true);
    }
    for (const range of [`bytes=${body.length}-`, `bytes=${body.length + 5}-${body.length + 9}`]) {
      const res = await content(id, { range });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${body.length}`);
      expect(errorCode(res)).toBe('range_not_satisfiable');
    }
    // A malformed Range header is ignored, as RFC 9110 says.
    const malformed = await content(id, { range: 'bytes=abc' });
    expect(malformed.statusCode).toBe(200);
    expect(malformed.rawPayload.length).toBe(body.length);
  });

  it('supports HEAD, If-None-Match and If-Range', async () => {
    const body = randomBytes(1000);
    const id = (await upload('cond.bin', body)).json<Item>().id;
    const head = await t.drive.app.inject({
      method: 'HEAD',
      url: `/api/v1/files/${id}/content`,
      headers: auth,
    });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe('1000');
    expect(head.rawPayload.length).toBe(0);
    const etag = head.headers.etag as string;

    expect((await content(id, { 'if-none-match': etag })).statusCode).toBe(304);
    expect((await content(id, { 'if-none-match': '"other"' })).statusCode).toBe(200);

    const matching = await content(id, { range: 'bytes=0-9', 'if-range': etag });
    expect(matching.statusCode).toBe(206);
    const stale = await content(id, { range: 'bytes=0-9', 'if-range': '"stale"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.equals(body)).toBe(true);
  });

  it('stores and serves a 0-byte file', async () => {
    const res = await upload('empty.txt', Buffer.alloc(0));
    expect(res.statusCode).toBe(201);
    const file = res.json<Item>();
    expect(file.size).toBe(0);
    const got = await content(file.id);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.length).toBe(0);
    expect(got.headers.etag).toBe(`"${sha256(Buffer.alloc(0))}"`);
    expect((await content(file.id, { range: 'bytes=0-' })).statusCode).toBe(416);
  });

  it('applies the conflict policy: fail (default), rename, replace', async () => {
    const first = (await upload('same.txt', Buffer.from('one'))).json<Item>();
    const failed = await upload('SAME.txt', Buffer.from('two'));
    expect(failed.statusCode).toBe(409);
    expect(errorCode(failed)).toBe('name_conflict');

    const renamed = await upload('same.txt', Buffer.from('two'), '?conflict=rename');
    expect(renamed.json<Item>().name).toBe('same (1).txt');
    const renamedAgain = await upload('same.txt', Buffer.from('three'), '?conflict=rename');
    expect(renamedAgain.json<Item>().name).toBe('same (2).txt');

    const replaced = await upload('same.txt', Buffer.from('four!'), '?conflict=replace');
    expect(replaced.statusCode).toBe(201);
    expect(replaced.json<Item>().id).toBe(first.id);
    expect(replaced.json<Item>().size).toBe(5);
    expect((await content(first.id)).body).toBe('four!');
  });

  it('refuses a body whose sha256 differs from the one given, and keeps nothing', async () => {
    const body = Buffer.from('checked content');
    const bad = await upload('checked.txt', body, `?sha256=${'0'.repeat(64)}`);
    expect(bad.statusCode).toBe(400);
    expect(errorCode(bad)).toBe('integrity_failed');
    const listing = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root?limit=1000',
      headers: auth,
    });
    expect(listing.json<Listing>().items.some((i) => i.name === 'checked.txt')).toBe(false);
    const good = await upload('checked.txt', body, `?sha256=${sha256(body).toUpperCase()}`);
    expect(good.statusCode).toBe(201);
  });

  it('reports the SHA-256 and where the chunks are stored', async () => {
    const body = randomBytes(CHUNK + 1);
    const id = (await upload('info.bin', body)).json<Item>().id;
    const info = await t.drive.app.inject({ method: 'GET', url: `/api/v1/files/${id}/info`, headers: auth });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({
      sha256: sha256(body),
      storage: { stores: [{ store: 'local', chunks: 2 }], segmentSize: 65536, chunkSize: CHUNK },
    });
    const details = await t.drive.app.inject({ method: 'GET', url: `/api/v1/items/${id}`, headers: auth });
    expect(details.json<ItemDetails>().sha256).toBe(sha256(body));
  });

  it('never writes plaintext to the store', async () => {
    const marker = Buffer.from('PLAINTEXT-MARKER-7f3a9c');
    const body = Buffer.concat(Array.from({ length: 20_000 }, () => marker));
    expect((await upload('marker.txt', body)).statusCode).toBe(201);
    const stored = await allFiles(path.join(t.dataDir, 'chunks'));
    expect(stored.length).toBeGreaterThan(0);
    for (const file of stored) {
      const bytes = await readFile(file);
      expect(bytes.includes(marker), file).toBe(false);
      expect(bytes.includes(marker.subarray(0, 8)), file).toBe(false);
    }
  });

  it('fails a read with a clear error when one stored byte is flipped, never returning wrong bytes', async () => {
    const body = randomBytes(2 * CHUNK);
    const file = (await upload('damaged.bin', body)).json<Item>();
    const chunks = await t.drive.repos.versions.chunks(
      (await t.drive.repos.items.findById(file.id))!.version_id!,
    );
    const second = chunks[1]!;
    const chunkPath = path.join(t.dataDir, 'chunks', second.locator!.slice(0, 2), second.locator!);
    const bytes = await readFile(chunkPath);
    bytes[70_000] = bytes[70_000]! ^ 0x01;
    await writeFile(chunkPath, bytes);

    // The first chunk is intact and still readable.
    const intact = await content(file.id, { range: `bytes=0-${CHUNK - 1}` });
    expect(intact.statusCode).toBe(206);
    expect(intact.rawPayload.equals(body.subarray(0, CHUNK))).toBe(true);

    // A range that starts in the damaged segment fails before any byte is sent.
    const damaged = await content(file.id, { range: `bytes=${CHUNK + 65536}-${CHUNK + 65536 + 10}` });
    expect(damaged.statusCode).toBe(500);
    expect(errorCode(damaged)).toBe('integrity_failed');
    expect(damaged.json<{ error: { message: string } }>().error.message).toMatch(/integrity/i);

    // A whole-file read is cut short: the client never receives the full, wrong file.
    const whole = await content(file.id).catch((err: unknown) =>
      err instanceof Error ? err : new Error(String(err)),
    );
    if (!(whole instanceof Error)) {
      expect(whole.rawPayload.length).toBeLessThan(body.length);
      expect(whole.rawPayload.equals(body.subarray(0, whole.rawPayload.length))).toBe(true);
    }
  });

  it('refuses a folder id for content, and unknown ids', async () => {
    const res = await content(rootId);
    expect(res.statusCode).toBe(400);
    const missing = await content('00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    const bad = await content('not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(errorCode(bad)).toBe('validation_failed');
  });
});

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(full)));
    else out.push(full);
  }
  return out;
}
