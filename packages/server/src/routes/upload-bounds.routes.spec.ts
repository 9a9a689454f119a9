import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { send } from '../../test/helpers/http-client.js';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const MAX = 1000;
const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The most a file may be (IDRIVE_MAX_FILE_SIZE), exact tus numbers and well-formed metadata. */
describeEachDb('upload bounds', (dialect) => {
  let t: TestApp;
  let root: string;
  const auth = () => bearer(t.adminToken);

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_MAX_FILE_SIZE: String(MAX) } });
    root = (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: auth() })
    ).json<Listing>().folder.id;
  });
  afterAll(() => t.close());

  const create = (length: string, metadata = `filename ${b64('f.bin')}`) =>
    t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { ...auth(), ...TUS, 'upload-length': length, 'upload-metadata': metadata },
    });

  const names = async () =>
    (await t.drive.app.inject({ method: 'GET', url: `/api/v1/folders/${root}/children`, headers: auth() }))
      .json<Listing>()
      .items.map((i) => i.name);

  it('finding 15: tus says its maximum and answers 413 above it, however large the number', async () => {
    const options = await t.drive.app.inject({ method: 'OPTIONS', url: '/api/v1/uploads', headers: TUS });
    expect(options.headers['tus-max-size']).toBe(String(MAX));
    expect((await create(String(MAX))).statusCode).toBe(201);
    for (const length of [String(MAX + 1), '1125899906842624', '9007199254740993', '1'.repeat(40)]) {
      const res = await create(length);
      expect(res.statusCode, length).toBe(413);
      expect(errorCode(res)).toBe('payload_too_large');
      expect(res.headers['tus-max-size']).toBe(String(MAX));
    }
    for (const length of ['1e3', '-1', ' 10', '10.0', '0x10', '']) {
      expect((await create(length)).statusCode, JSON.stringify(length)).toBe(400);
    }
  });

  it('finding 15: malformed Upload-Metadata is a 400 and makes nothing, never a garbled name', async () => {
    const before = await names();
    const bad = [
      'filename !!!!',
      `filename ${b64('a.txt')}x`,
      'filename /w==', // 0xFF: not UTF-8
      `filename ${b64('a.txt')},filename ${b64('b.txt')}`,
      `file name ${b64('a.txt')}`,
      ',',
    ];
    for (const metadata of bad) {
      const res = await create('3', metadata);
      expect(res.statusCode, metadata).toBe(400);
    }
    expect(await names()).toEqual(before);
    // Unpadded base64 is still base64.
    const unpadded = await create('0', `filename ${b64('ab.txt').replace(/=+$/, '')}`);
    expect(unpadded.statusCode, unpadded.body).toBe(201);
    expect(await names()).toContain('ab.txt');
  });

  it('finding 15: a raw PUT or an editor save over the maximum is refused, with or without a length, and leaves nothing', async () => {
    const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const url = (name: string) => `${base}/api/v1/folders/${root}/files/${name}`;
    const declared = await send(url('declared.bin'), {
      method: 'PUT',
      headers: { ...auth(), 'content-length': String(MAX + 1) },
      body: [Buffer.alloc(MAX + 1)],
    });
    expect(declared.status).toBe(413);
    const chunked = await send(url('chunked.bin'), {
      method: 'PUT',
      headers: { ...auth(), 'transfer-encoding': 'chunked' },
      body: [Buffer.alloc(600), Buffer.alloc(600)],
    });
    expect([413, -1]).toContain(chunked.status);
    const listed = await names();
    expect(listed).not.toContain('declared.bin');
    expect(listed).not.toContain('chunked.bin');

    const small = await send(url('small.txt'), { method: 'PUT', headers: auth(), body: [Buffer.from('ok')] });
    expect(small.status).toBe(201);
    const id = (JSON.parse(small.body.toString()) as Item).id;
    const save = await send(`${base}/api/v1/files/${id}/content`, {
      method: 'PUT',
      headers: auth(),
      body: [Buffer.alloc(MAX + 1)],
    });
    expect(save.status).toBe(413);
    const content = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${id}/content`,
      headers: auth(),
    });
    expect(content.body).toBe('ok');
  });
});
