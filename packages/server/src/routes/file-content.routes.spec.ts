import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, Listing } from '@idrive/shared';
import { bearer, errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** PUT /files/{id}/content: the editor's save, new bytes for the same file. */
describeEachDb('replacing a file’s content', (dialect) => {
  let t: TestApp;
  let auth: { authorization: string };
  let rootId: string;

  async function upload(name: string, text: string): Promise<Item> {
    const res = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${rootId}/files/${name}`,
      headers: auth,
      payload: Buffer.from(text),
    });
    expect(res.statusCode).toBe(201);
    return res.json<Item>();
  }

  function replace(id: string, text: string, headers: Record<string, string> = {}, query = '') {
    return t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/files/${id}/content${query}`,
      headers: { ...auth, 'content-type': 'text/plain', ...headers },
      payload: Buffer.from(text),
    });
  }

  async function content(id: string): Promise<{ body: string; etag: string }> {
    const res = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${id}/content`,
      headers: auth,
    });
    return { body: res.body, etag: res.headers.etag as string };
  }

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    auth = bearer(t.adminToken);
    const root = await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: auth });
    rootId = root.json<Listing>().folder.id;
  });
  afterAll(() => t.close());

  it('keeps the item (id, name, folder, type) and swaps in the new bytes', async () => {
    const file = await upload('notes.md', 'old');
    const res = await replace(file.id, 'new and longer');
    expect(res.statusCode).toBe(200);
    expect(res.json<Item>()).toMatchObject({
      id: file.id,
      name: 'notes.md',
      parentId: rootId,
      mimeType: file.mimeType,
      size: 'new and longer'.length,
    });
    const after = await content(file.id);
    expect(after.body).toBe('new and longer');
    expect(after.etag).toBe(`"${sha256('new and longer')}"`);
    const root = await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: auth });
    expect(root.json<Listing>().items.filter((item) => item.name === 'notes.md')).toHaveLength(1);
  });

  it('with If-Match, replaces only the version the client read', async () => {
    const file = await upload('shared.txt', 'v1');
    const { etag } = await content(file.id);
    expect((await replace(file.id, 'v2 (mine)', { 'if-match': etag })).statusCode).toBe(200);

    // Someone saved first: the stale ETag is refused and their version stays.
    const stale = await replace(file.id, 'v2 (theirs)', { 'if-match': etag });
    expect(stale.statusCode).toBe(412);
    expect(errorCode(stale)).toBe('precondition_failed');
    expect((await content(file.id)).body).toBe('v2 (mine)');
    expect((await replace(file.id, 'forced', { 'if-match': '*' })).statusCode).toBe(200);
  });

  it('follows the file by id after a rename', async () => {
    const file = await upload('draft.txt', 'draft');
    await t.drive.app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${file.id}`,
      headers: auth,
      payload: { name: 'final.txt' },
    });
    const res = await replace(file.id, 'final');
    expect(res.json<Item>()).toMatchObject({ id: file.id, name: 'final.txt' });
    expect((await content(file.id)).body).toBe('final');
  });

  it('refuses damaged bytes, folders, trashed files and users who may not delete', async () => {
    const file = await upload('keep.txt', 'keep');
    const damaged = await replace(file.id, 'other', {}, `?sha256=${sha256('something else')}`);
    expect(damaged.statusCode).toBe(400);
    expect(errorCode(damaged)).toBe('integrity_failed');
    expect((await content(file.id)).body).toBe('keep');
    expect((await replace(file.id, 'checked', {}, `?sha256=${sha256('checked')}`)).statusCode).toBe(200);

    const folder = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/folders',
      headers: auth,
      payload: { parentId: rootId, name: 'dir' },
    });
    expect((await replace(folder.json<Item>().id, 'x')).statusCode).toBe(400);

    const trashed = await upload('gone.txt', 'gone');
    await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/items/trash',
      headers: auth,
      payload: { ids: [trashed.id] },
    });
    expect((await replace(trashed.id, 'x')).statusCode).toBe(409);

    // Replacing drops the old version, so it takes the delete permission as well as upload.
    const uploader = await t.createUser(['upload']);
    const own = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root',
      headers: bearer(uploader.token),
    });
    const mine = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${own.json<Listing>().folder.id}/files/mine.txt`,
      headers: bearer(uploader.token),
      payload: Buffer.from('mine'),
    });
    const refused = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/files/${mine.json<Item>().id}/content`,
      headers: bearer(uploader.token),
      payload: Buffer.from('changed'),
    });
    expect(refused.statusCode).toBe(403);
  });
});
