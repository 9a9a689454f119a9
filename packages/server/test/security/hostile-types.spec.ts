import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo, Item, Listing } from '@idrive/shared';
import { contentTypeHeader, resolveMimeType } from '../../src/lib/mime.js';
import { driveClient, multipart } from '../helpers/drive-client.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

describe('finding 4: types a client declares', () => {
  it('finding 4: the server works the type out from the name, and keeps a declared one only if it is well formed', () => {
    expect(resolveMimeType('x.mp4', 'text/html')).toBe('video/mp4');
    expect(resolveMimeType('tus.bin', 'video/mp4')).toBe('video/mp4');
    // Camera RAW extensions mime-types does not know, under the names content sniffing gives them.
    expect(resolveMimeType('IMG_0001.CR3', 'application/octet-stream')).toBe('image/x-canon-cr3');
    expect(resolveMimeType('DSC_0001.nef', 'text/html')).toBe('image/x-nikon-nef');
    expect(resolveMimeType('notes', 'text/plain; charset=UTF-8')).toBe('text/plain; charset=utf-8');
    expect(resolveMimeType('notes', 'application/vnd.custom+json')).toBe('application/vnd.custom+json');
    for (const hostile of [
      'text/html\u0001',
      'text/html\r\nx-evil: 1',
      'text/html; boundary=x',
      'text',
      '',
    ]) {
      expect(resolveMimeType('notes', hostile), JSON.stringify(hostile)).toBe('application/octet-stream');
    }
    expect(contentTypeHeader('text/html\u0001')).toBe('application/octet-stream');
    expect(contentTypeHeader('image/png')).toBe('image/png');
    expect(contentTypeHeader(null)).toBe('application/octet-stream');
  });

  describe('through the API', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    const infoOf = async (id: string) =>
      (
        await t.drive.app.inject({
          method: 'GET',
          url: `/api/v1/files/${id}/info`,
          headers: bearer(t.adminToken),
        })
      ).json<FileInfo>();

    it('finding 4: a control character in a tus filetype or a multipart part type is never stored', async () => {
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const created = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: {
          ...bearer(t.adminToken),
          'tus-resumable': '1.0.0',
          'upload-length': '0',
          'upload-metadata': `filename ${b64('page')},filetype ${b64('text/html\u0001')}`,
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const fileId = created.headers['x-idrive-file-id'] as string;
      expect((await infoOf(fileId)).mimeType).toBe('application/octet-stream');

      const root = (
        await t.drive.app.inject({
          method: 'GET',
          url: '/api/v1/folders/root',
          headers: bearer(t.adminToken),
        })
      ).json<Listing>().folder.id;
      const form = await multipart([{ path: 'part', data: 'p' }]);
      const body = form.body
        .toString('latin1')
        .replace('Content-Type: application/octet-stream', 'Content-Type: text/html;\u0001');
      const batch = await t.drive.app.inject({
        method: 'POST',
        url: `/api/v1/folders/${root}/batch`,
        headers: { ...bearer(t.adminToken), 'content-type': form.contentType },
        payload: Buffer.from(body, 'latin1'),
      });
      expect(batch.statusCode, batch.body).toBe(200);
      const item = batch.json<{ results: { item?: Item }[] }>().results[0]!.item!;
      // The part's parser keeps only the well-formed part of what was declared.
      expect(item.mimeType).toBe('text/html');
    });

    it('finding 4: a file nobody typed gets the type its bytes show, but never one a browser would run', async () => {
      const drive = driveClient(t, t.adminToken);
      const root = await drive.rootId();
      // A PNG signature and header: what a photo saved without an extension starts with.
      const png = Buffer.concat([
        Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
        Buffer.alloc(64),
      ]);
      expect((await drive.upload(root, 'snapshot', png)).mimeType).toBe('image/png');
      const [packed] = await drive.batch(root, [{ path: 'packed-snapshot', data: png }]);
      expect(packed!.item?.mimeType).toBe('image/png');
      const b64 = (v: string) => Buffer.from(v).toString('base64');
      const tus = {
        ...bearer(t.adminToken),
        'tus-resumable': '1.0.0',
      };
      const created = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: {
          ...tus,
          'upload-length': String(png.length),
          'upload-metadata': `filename ${b64('resumed-snapshot')},parentId ${b64(root)}`,
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const patched = await t.drive.app.inject({
        method: 'PATCH',
        url: created.headers.location as string,
        headers: { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        payload: png,
      });
      expect(patched.statusCode, patched.body).toBe(204);
      expect((await infoOf(patched.headers['x-idrive-file-id'] as string)).mimeType).toBe('image/png');

      // A name with a type wins over the bytes; markup is never read into a type.
      expect((await drive.upload(root, 'notes.txt', png)).mimeType).toBe('text/plain');
      const page = '<!DOCTYPE html><html><script>alert(1)</script></html>';
      expect((await drive.upload(root, 'markup', page)).mimeType).toBe('application/octet-stream');
      const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>';
      expect((await drive.upload(root, 'drawing', svg)).mimeType).toBe('application/octet-stream');
    });
  });
});
