import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameKey, type Item, type Listing, type SortKey } from '@idrive/shared';
import type { NewItemRow } from '../db/schema.js';
import { newItemRow } from '../services/item.service.js';
import { newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

type Client = DriveClient & { userId: string; root: string };

/** The order the API promises: folders first, then the sort key, ties by name key (same direction), then id. */
function compareItems(sort: SortKey, order: 'asc' | 'desc') {
  const dir = order === 'asc' ? 1 : -1;
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const key = (i: Item): string | number => {
    switch (sort) {
      case 'size':
        return i.size;
      case 'updated':
        return Date.parse(i.updatedAt);
      case 'type':
        return i.mimeType ?? '';
      case 'name':
        return '';
    }
  };
  return (a: Item, b: Item) => {
    if (a.type !== b.type) return a.type === 'folder' ? -1 : 1;
    return dir * cmp(key(a), key(b)) || dir * cmp(nameKey(a.name), nameKey(b.name)) || cmp(a.id, b.id);
  };
}

describeEachDb('folders, items and trash routes', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  const user = () => newDriveUser(t);
  const names = (items: { name: string }[]) => items.map((i) => i.name);

  describe('folder tree', () => {
    it('lists the root with a one-entry path and no items for a new user', async () => {
      const u = await user();
      const res = await u.request('GET', '/folders/root');
      expect(res.statusCode).toBe(200);
      const listing = res.json<Listing>();
      expect(listing.folder).toMatchObject({ id: u.root, type: 'folder', parentId: null, name: '', size: 0 });
      expect(listing.folder.path).toEqual([{ id: u.root, name: '' }]);
      expect(listing).toMatchObject({ items: [], total: 0, offset: 0, limit: 1000 });
    });

    it('creates folders (201) and reports their path from the root', async () => {
      const u = await user();
      const res = await u.request('POST', '/folders', { parentId: u.root, name: 'Projects' });
      expect(res.statusCode).toBe(201);
      const projects = res.json<Item>();
      expect(projects).toMatchObject({
        type: 'folder',
        name: 'Projects',
        parentId: u.root,
        size: 0,
        trashedAt: null,
      });
      const deep = await u.mkdir(projects.id, '2024');
      const details = await u.item(deep.id);
      expect(details.path).toEqual([
        { id: u.root, name: '' },
        { id: projects.id, name: 'Projects' },
        { id: deep.id, name: '2024' },
      ]);
      expect(details.sha256).toBeNull();

      const listing = await u.list(projects.id);
      expect(listing.folder.path.map((p) => p.id)).toEqual([u.root, projects.id]);
      expect(names(listing.items)).toEqual(['2024']);

      const root = (await u.request('GET', '/folders/root')).json<Listing>();
      expect(names(root.items)).toEqual(['Projects']);
    });

    it('refuses to create in a missing folder (404), in a file (400), or in another user’s folder (404)', async () => {
      const u = await user();
      const other = await user();
      const file = await u.upload(u.root, 'plain.txt', 'x');
      const missing = await u.request('POST', '/folders', { parentId: randomUUID(), name: 'x' });
      expect(missing.statusCode).toBe(404);
      const inFile = await u.request('POST', '/folders', { parentId: file.id, name: 'x' });
      expect(inFile.statusCode).toBe(400);
      expect(errorCode(inFile)).toBe('bad_request');
      const foreign = await other.request('POST', '/folders', { parentId: u.root, name: 'x' });
      expect(foreign.statusCode).toBe(404);
      expect((await other.request('GET', `/folders/${u.root}/children`)).statusCode).toBe(404);
      expect((await u.request('GET', `/folders/${file.id}/children`)).statusCode).toBe(404);
      expect((await u.list(u.root)).total).toBe(1);
    });

    it('sorts folders first, then by name ignoring case; desc reverses within each group', async () => {
      const u = await user();
      await u.mkdir(u.root, 'beta');
      await u.mkdir(u.root, 'Alpha');
      await u.upload(u.root, 'Zed.md', 'z');
      await u.upload(u.root, 'a.txt', 'a');
      await u.upload(u.root, 'B.bin', 'b');
      expect(names((await u.list(u.root)).items)).toEqual(['Alpha', 'beta', 'a.txt', 'B.bin', 'Zed.md']);
      expect(names((await u.list(u.root, '?order=desc')).items)).toEqual([
        'beta',
        'Alpha',
        'Zed.md',
        'B.bin',
        'a.txt',
      ]);
    });

    it('sorts by size, updated and type, ascending and descending, folders always first', async () => {
      const u = await user();
      const big = await u.mkdir(u.root, 'big-folder');
      await u.mkdir(u.root, 'empty-folder');
      await u.upload(big.id, 'inside.bin', randomBytes(500));
      const files: [string, number, string][] = [
        ['video.mp4', 30, 'video/mp4'],
        ['doc.pdf', 10, 'application/pdf'],
        ['note.txt', 20, 'text/plain'],
        ['pic.png', 20, 'image/png'],
        ['tune.mp3', 5, 'audio/mpeg'],
      ];
      for (const [name, size] of files) {
        await u.upload(u.root, name, randomBytes(size));
        await new Promise((r) => setTimeout(r, 3));
      }
      // Touch one file so "updated" differs from creation order.
      const doc = (await u.list(u.root)).items.find((i) => i.name === 'doc.pdf')!;
      await new Promise((r) => setTimeout(r, 3));
      expect((await u.request('PATCH', `/items/${doc.id}`, { name: 'doc2.pdf' })).statusCode).toBe(200);

      const expectations: Record<string, string[]> = {
        'size:asc': [
          'empty-folder',
          'big-folder',
          'tune.mp3',
          'doc2.pdf',
          'note.txt',
          'pic.png',
          'video.mp4',
        ],
        'size:desc': [
          'big-folder',
          'empty-folder',
          'video.mp4',
          'pic.png',
          'note.txt',
          'doc2.pdf',
          'tune.mp3',
        ],
        'type:asc': [
          'big-folder',
          'empty-folder',
          'doc2.pdf',
          'tune.mp3',
          'pic.png',
          'note.txt',
          'video.mp4',
        ],
        'type:desc': [
          'empty-folder',
          'big-folder',
          'video.mp4',
          'note.txt',
          'pic.png',
          'tune.mp3',
          'doc2.pdf',
        ],
      };
      for (const [spec, expected] of Object.entries(expectations)) {
        const [sort, order] = spec.split(':');
        const listing = await u.list(u.root, `?sort=${sort}&order=${order}`);
        expect(names(listing.items), spec).toEqual(expected);
      }
      for (const order of ['asc', 'desc'] as const) {
        const items = (await u.list(u.root, `?sort=updated&order=${order}`)).items;
        expect([...items].sort(compareItems('updated', order)).map((i) => i.id)).toEqual(
          items.map((i) => i.id),
        );
        const fileNames = names(items.filter((i) => i.type === 'file'));
        const expected = ['video.mp4', 'note.txt', 'pic.png', 'tune.mp3', 'doc2.pdf'];
        expect(fileNames).toEqual(order === 'asc' ? expected : [...expected].reverse());
      }
    });

    it('pages with offset and limit and reports the total', async () => {
      const u = await user();
      for (const n of ['e', 'a', 'd', 'c', 'b']) await u.mkdir(u.root, n);
      const page = await u.list(u.root, '?offset=1&limit=2');
      expect(page).toMatchObject({ total: 5, offset: 1, limit: 2 });
      expect(names(page.items)).toEqual(['b', 'c']);
      const last = await u.list(u.root, '?offset=4&limit=2');
      expect(names(last.items)).toEqual(['e']);
      const beyond = await u.list(u.root, '?offset=10&limit=2');
      expect(beyond).toMatchObject({ items: [], total: 5 });
      for (const q of ['?limit=0', '?limit=10001', '?offset=-1', '?sort=color', '?order=up']) {
        const res = await u.request('GET', `/folders/${u.root}/children${q}`);
        expect(res.statusCode, q).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
      }
    });
  });

  describe('names', () => {
    it('refuses "/", empty, control characters, "." and "..", blank, and names over 255 bytes', async () => {
      const u = await user();
      const bad = [
        '/',
        'a/b',
        '',
        'a\u0000b',
        'tab\there',
        'line\nbreak',
        'del\u007f',
        'c1\u0085',
        '.',
        '..',
        '...',
        '   ',
        'a'.repeat(256),
        '\u00e9'.repeat(128),
        '\u{1F600}'.repeat(63) + 'abcd',
      ];
      for (const name of bad) {
        const res = await u.request('POST', '/folders', { parentId: u.root, name });
        expect(res.statusCode, JSON.stringify(name)).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
        expect(res.json<{ error: { message: string } }>().error.message).toMatch(/name/i);
      }
      expect((await u.list(u.root)).total).toBe(0);

      // Exactly 255 bytes is fine, as are dots inside a name (a trailing one is not: Windows drops it).
      for (const name of ['a'.repeat(255), '\u00e9'.repeat(127) + 'a', '.hidden', 'a..b']) {
        const res = await u.request('POST', '/folders', { parentId: u.root, name });
        expect(res.statusCode, name).toBe(201);
        expect(res.json<Item>().name).toBe(name);
      }
    });

    it('applies the same rules to renames and uploads', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'ok');
      for (const name of ['..', 'a/b', '', 'x'.repeat(256)]) {
        const res = await u.request('PATCH', `/items/${folder.id}`, { name });
        expect(res.statusCode, name).toBe(400);
      }
      const up = await u.request(
        'PUT',
        `/folders/${u.root}/files/${encodeURIComponent('a/b')}`,
        Buffer.from('x'),
        {
          'content-type': 'application/octet-stream',
        },
      );
      expect(up.statusCode).toBe(400);
      const ctl = await u.request(
        'PUT',
        `/folders/${u.root}/files/${encodeURIComponent('a\u0001')}`,
        Buffer.from('x'),
        {
          'content-type': 'application/octet-stream',
        },
      );
      expect(ctl.statusCode).toBe(400);
      expect(names((await u.list(u.root)).items)).toEqual(['ok']);
    });

    it('stores names in NFC, and a decomposed name conflicts with the composed one', async () => {
      const u = await user();
      const res = await u.request('POST', '/folders', { parentId: u.root, name: 'Cafe\u0301' });
      expect(res.statusCode).toBe(201);
      expect(res.json<Item>().name).toBe('Caf\u00e9');
      expect((await u.list(u.root)).items[0]!.name).toBe('Caf\u00e9');

      for (const name of ['Caf\u00e9', 'Cafe\u0301', 'CAF\u00c9', 'CAFE\u0301', 'caf\u00e9']) {
        const clash = await u.request('POST', '/folders', { parentId: u.root, name });
        expect(clash.statusCode, name).toBe(409);
        expect(errorCode(clash)).toBe('name_conflict');
      }
      // An upload with the decomposed name is refused as well.
      const up = await u.request(
        'PUT',
        `/folders/${u.root}/files/${encodeURIComponent('cafe\u0301')}`,
        Buffer.from('x'),
        {
          'content-type': 'application/octet-stream',
        },
      );
      expect(up.statusCode).toBe(409);
      expect(errorCode(up)).toBe('name_conflict');
      expect((await u.list(u.root)).total).toBe(1);
    });

    it('treats names that differ only in case as a conflict (409 name_conflict), across files and folders', async () => {
      const u = await user();
      await u.mkdir(u.root, 'Report');
      const folderClash = await u.request('POST', '/folders', { parentId: u.root, name: 'report' });
      expect(folderClash.statusCode).toBe(409);
      expect(errorCode(folderClash)).toBe('name_conflict');
      const fileClash = await u.request('PUT', `/folders/${u.root}/files/REPORT`, Buffer.from('x'), {
        'content-type': 'application/octet-stream',
      });
      expect(fileClash.statusCode).toBe(409);
      expect(errorCode(fileClash)).toBe('name_conflict');
      // The same name in another folder is fine.
      const sub = await u.mkdir(u.root, 'sub');
      expect((await u.request('POST', '/folders', { parentId: sub.id, name: 'report' })).statusCode).toBe(
        201,
      );
    });
  });

  describe('rename and move', () => {
    it('renames an item, refuses a taken name, and allows changing only the case', async () => {
      const u = await user();
      const a = await u.mkdir(u.root, 'photos');
      const file = await u.upload(u.root, 'notes.txt', 'hello');
      const res = await u.request('PATCH', `/items/${file.id}`, { name: 'diary.txt' });
      expect(res.statusCode).toBe(200);
      expect(res.json<Item>()).toMatchObject({ id: file.id, name: 'diary.txt', parentId: u.root, size: 5 });
      expect(names((await u.list(u.root)).items)).toEqual(['photos', 'diary.txt']);
      expect((await u.content(file.id)).toString()).toBe('hello');

      const taken = await u.request('PATCH', `/items/${file.id}`, { name: 'PHOTOS' });
      expect(taken.statusCode).toBe(409);
      expect(errorCode(taken)).toBe('name_conflict');

      const caseOnly = await u.request('PATCH', `/items/${a.id}`, { name: 'Photos' });
      expect(caseOnly.statusCode).toBe(200);
      expect(caseOnly.json<Item>().name).toBe('Photos');
      expect((await u.item(a.id)).name).toBe('Photos');
      const same = await u.request('PATCH', `/items/${a.id}`, { name: 'Photos' });
      expect(same.statusCode).toBe(200);
    });

    it('refuses to rename or move the root, and an empty change', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'f');
      const renameRoot = await u.request('PATCH', `/items/${u.root}`, { name: 'x' });
      expect(renameRoot.statusCode).toBe(400);
      const moveRoot = await u.request('PATCH', `/items/${u.root}`, { parentId: folder.id });
      expect(moveRoot.statusCode).toBe(400);
      const empty = await u.request('PATCH', `/items/${folder.id}`, {});
      expect(empty.statusCode).toBe(400);
      expect(errorCode(empty)).toBe('validation_failed');
    });

    it('moves items between folders, optionally renaming them at once', async () => {
      const u = await user();
      const src = await u.mkdir(u.root, 'src');
      const dst = await u.mkdir(u.root, 'dst');
      const file = await u.upload(src.id, 'a.txt', 'aaa');
      const moved = await u.request('PATCH', `/items/${file.id}`, { parentId: dst.id });
      expect(moved.statusCode).toBe(200);
      expect(moved.json<Item>()).toMatchObject({ parentId: dst.id, name: 'a.txt' });
      expect((await u.list(src.id)).total).toBe(0);
      expect(names((await u.list(dst.id)).items)).toEqual(['a.txt']);

      const both = await u.request('PATCH', `/items/${file.id}`, { parentId: src.id, name: 'b.txt' });
      expect(both.statusCode).toBe(200);
      expect(both.json<Item>()).toMatchObject({ parentId: src.id, name: 'b.txt' });
      expect((await u.item(file.id)).path.map((p) => p.name)).toEqual(['', 'src', 'b.txt']);
      expect((await u.content(file.id)).toString()).toBe('aaa');
    });

    it('refuses a move into the folder itself or a folder below it (409), and into a file (400)', async () => {
      const u = await user();
      const a = await u.mkdir(u.root, 'a');
      const b = await u.mkdir(a.id, 'b');
      const c = await u.mkdir(b.id, 'c');
      const file = await u.upload(u.root, 'f.txt', 'f');
      for (const target of [a.id, b.id, c.id]) {
        const res = await u.request('PATCH', `/items/${a.id}`, { parentId: target });
        expect(res.statusCode, target).toBe(409);
        expect(errorCode(res)).toBe('conflict');
      }
      const intoFile = await u.request('PATCH', `/items/${a.id}`, { parentId: file.id });
      expect(intoFile.statusCode).toBe(400);
      expect(errorCode(intoFile)).toBe('bad_request');
      expect((await u.item(a.id)).parentId).toBe(u.root);
      expect((await u.item(c.id)).path.map((p) => p.name)).toEqual(['', 'a', 'b', 'c']);

      // Moving b up to the root is fine.
      expect((await u.request('PATCH', `/items/${b.id}`, { parentId: u.root })).statusCode).toBe(200);
      expect((await u.item(c.id)).path.map((p) => p.name)).toEqual(['', 'b', 'c']);
    });

    it('refuses a move onto a taken name, and into another user’s folder', async () => {
      const u = await user();
      const other = await user();
      const dst = await u.mkdir(u.root, 'dst');
      await u.upload(dst.id, 'Same.txt', 'one');
      const file = await u.upload(u.root, 'same.txt', 'two');
      const clash = await u.request('PATCH', `/items/${file.id}`, { parentId: dst.id });
      expect(clash.statusCode).toBe(409);
      expect(errorCode(clash)).toBe('name_conflict');
      const foreign = await u.request('PATCH', `/items/${file.id}`, { parentId: other.root });
      expect(foreign.statusCode).toBe(404);
      expect((await u.item(file.id)).parentId).toBe(u.root);
    });
  });

  describe('copy', () => {
    it('copies a subtree with its files, whose content reads back the same', async () => {
      const u = await user();
      const src = await u.mkdir(u.root, 'src');
      const sub = await u.mkdir(src.id, 'sub');
      const dst = await u.mkdir(u.root, 'dst');
      const aBody = randomBytes(1234);
      const bBody = randomBytes(70_000);
      await u.upload(src.id, 'a.bin', aBody);
      await u.upload(sub.id, 'b.bin', bBody);

      const res = await u.request('POST', '/items/copy', { ids: [src.id], parentId: dst.id });
      expect(res.statusCode).toBe(201);
      const [copy] = res.json<{ items: Item[] }>().items;
      expect(copy).toMatchObject({
        type: 'folder',
        name: 'src',
        parentId: dst.id,
        size: aBody.length + bBody.length,
      });
      expect(copy!.id).not.toBe(src.id);

      const top = await u.list(copy!.id);
      expect(names(top.items)).toEqual(['sub', 'a.bin']);
      const subCopy = top.items.find((i) => i.name === 'sub')!;
      expect(subCopy.id).not.toBe(sub.id);
      const inner = await u.list(subCopy.id);
      expect(names(inner.items)).toEqual(['b.bin']);

      const aCopy = top.items.find((i) => i.name === 'a.bin')!;
      expect((await u.content(aCopy.id)).equals(aBody)).toBe(true);
      expect((await u.content(inner.items[0]!.id)).equals(bBody)).toBe(true);
      expect((await u.item(aCopy.id)).sha256).toBe(
        (await u.item((await u.list(src.id)).items[1]!.id)).sha256,
      );

      // The originals are untouched.
      expect(names((await u.list(src.id)).items)).toEqual(['sub', 'a.bin']);
      expect(names((await u.list(sub.id)).items)).toEqual(['b.bin']);
    });

    it('numbers a copy whose name is taken: "name (1)", "name (2)", keeping the extension', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'album');
      const file = await u.upload(u.root, 'report.pdf', 'pdf');
      const copy = async (id: string) =>
        (await u.request('POST', '/items/copy', { ids: [id], parentId: u.root })).json<{ items: Item[] }>()
          .items[0]!;
      expect((await copy(folder.id)).name).toBe('album (1)');
      expect((await copy(folder.id)).name).toBe('album (2)');
      expect((await copy(file.id)).name).toBe('report (1).pdf');
      const many = await u.request('POST', '/items/copy', { ids: [file.id, folder.id], parentId: u.root });
      expect(many.statusCode).toBe(201);
      expect(names(many.json<{ items: Item[] }>().items)).toEqual(['report (2).pdf', 'album (3)']);
    });

    it('leaves trashed children out, and refuses copying into itself or a trashed item', async () => {
      const u = await user();
      const src = await u.mkdir(u.root, 'src');
      await u.upload(src.id, 'keep.txt', 'keep');
      const gone = await u.upload(src.id, 'gone.txt', 'gone!');
      await u.trash(gone.id);
      const res = await u.request('POST', '/items/copy', { ids: [src.id], parentId: u.root });
      expect(res.statusCode).toBe(201);
      const copy = res.json<{ items: Item[] }>().items[0]!;
      expect(copy.size).toBe(4);
      expect(names((await u.list(copy.id)).items)).toEqual(['keep.txt']);
      expect((await u.trashList()).total).toBe(1);

      const inner = await u.mkdir(src.id, 'inner');
      const intoSelf = await u.request('POST', '/items/copy', { ids: [src.id], parentId: inner.id });
      expect(intoSelf.statusCode).toBe(409);
      const trashed = await u.request('POST', '/items/copy', { ids: [gone.id], parentId: u.root });
      expect(trashed.statusCode).toBe(409);
    });

    it('a copy keeps its content after the original is deleted for good', async () => {
      const u = await user();
      const body = randomBytes(5000);
      const file = await u.upload(u.root, 'orig.bin', body);
      const copy = (await u.request('POST', '/items/copy', { ids: [file.id], parentId: u.root })).json<{
        items: Item[];
      }>().items[0]!;
      await u.trash(file.id);
      expect((await u.request('POST', '/trash/delete', { ids: [file.id] })).statusCode).toBe(200);
      await t.drive.maintenance.collectGarbage();
      expect((await u.content(copy.id)).equals(body)).toBe(true);
      expect(await u.usedBytes()).toBe(body.length);
    });
  });

  describe('trash', () => {
    it('hides trashed items from the listing and lists only what was trashed, not what it contained', async () => {
      const u = await user();
      const old = await u.mkdir(u.root, 'old');
      const inner = await u.upload(old.id, 'inner.txt', 'inner');
      const deeper = await u.mkdir(old.id, 'deeper');
      const loose = await u.upload(u.root, 'loose.txt', 'loose');
      await u.mkdir(u.root, 'stays');

      const res = await u.request('POST', '/items/trash', { ids: [old.id, loose.id] });
      expect(res.statusCode).toBe(200);
      expect(names((await u.list(u.root)).items)).toEqual(['stays']);
      expect((await u.list(u.root)).total).toBe(1);

      const trash = await u.trashList();
      expect(trash.total).toBe(2);
      expect(names(trash.items).sort()).toEqual(['loose.txt', 'old']);
      expect(trash.items.every((i) => i.trashedAt !== null)).toBe(true);
      for (const id of [inner.id, deeper.id]) {
        expect((await u.item(id)).trashedAt).not.toBeNull();
        expect(trash.items.some((i) => i.id === id)).toBe(false);
      }
      // Trashing again is harmless.
      expect((await u.request('POST', '/items/trash', { ids: [old.id] })).statusCode).toBe(200);
      expect((await u.trashList()).total).toBe(2);
    });

    it('refuses to trash the root, and leaves the trashed name free for a new item', async () => {
      const u = await user();
      const root = await u.request('POST', '/items/trash', { ids: [u.root] });
      expect(root.statusCode).toBe(400);
      const a = await u.mkdir(u.root, 'name');
      await u.trash(a.id);
      expect((await u.request('POST', '/folders', { parentId: u.root, name: 'NAME' })).statusCode).toBe(201);
    });

    it('refuses creating, uploading, moving into or renaming inside a trashed folder (409)', async () => {
      const u = await user();
      const bin = await u.mkdir(u.root, 'bin');
      const child = await u.mkdir(bin.id, 'child');
      const loose = await u.upload(u.root, 'loose.txt', 'x');
      await u.trash(bin.id);
      const create = await u.request('POST', '/folders', { parentId: bin.id, name: 'new' });
      expect(create.statusCode).toBe(409);
      expect(errorCode(create)).toBe('conflict');
      const createDeep = await u.request('POST', '/folders', { parentId: child.id, name: 'new' });
      expect(createDeep.statusCode).toBe(409);
      const up = await u.request('PUT', `/folders/${bin.id}/files/new.txt`, Buffer.from('x'), {
        'content-type': 'application/octet-stream',
      });
      expect(up.statusCode).toBe(409);
      const move = await u.request('PATCH', `/items/${loose.id}`, { parentId: bin.id });
      expect(move.statusCode).toBe(409);
      const rename = await u.request('PATCH', `/items/${child.id}`, { name: 'renamed' });
      expect(rename.statusCode).toBe(409);
    });

    it('restores an item, with everything in it, to where it was', async () => {
      const u = await user();
      const parent = await u.mkdir(u.root, 'parent');
      const folder = await u.mkdir(parent.id, 'folder');
      const file = await u.upload(folder.id, 'file.txt', 'content');
      await u.trash(folder.id);
      const restored = await u.restore(folder.id);
      expect(restored).toHaveLength(1);
      expect(restored[0]).toMatchObject({
        id: folder.id,
        parentId: parent.id,
        name: 'folder',
        trashedAt: null,
      });
      expect(names((await u.list(parent.id)).items)).toEqual(['folder']);
      expect(names((await u.list(folder.id)).items)).toEqual(['file.txt']);
      expect((await u.item(file.id)).trashedAt).toBeNull();
      expect((await u.content(file.id)).toString()).toBe('content');
      expect((await u.trashList()).total).toBe(0);
    });

    it('restores an item separately trashed inside a folder that was then trashed and restored', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'folder');
      const early = await u.upload(folder.id, 'early.txt', 'early');
      await u.upload(folder.id, 'late.txt', 'late');
      await u.trash(early.id);
      await u.trash(folder.id);
      expect(names((await u.trashList()).items).sort()).toEqual(['early.txt', 'folder']);
      await u.restore(folder.id);
      // The separately trashed file stays in the trash…
      expect(names((await u.list(folder.id)).items)).toEqual(['late.txt']);
      expect(names((await u.trashList()).items)).toEqual(['early.txt']);
      // …and goes back into the folder when restored.
      const [back] = await u.restore(early.id);
      expect(back!.parentId).toBe(folder.id);
    });

    it('restores to the root when the original folder is itself in the trash', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'folder');
      const file = await u.upload(folder.id, 'file.txt', 'x');
      await u.trash(file.id);
      await u.trash(folder.id);
      const [restored] = await u.restore(file.id);
      expect(restored).toMatchObject({ id: file.id, parentId: u.root, trashedAt: null });
      expect(names((await u.list(u.root)).items)).toEqual(['file.txt']);
      expect(names((await u.trashList()).items)).toEqual(['folder']);
    });

    it('restores to the root when the original folder was deleted for good', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'folder');
      const file = await u.upload(folder.id, 'survivor.txt', 'still here');
      await u.trash(file.id);
      await u.trash(folder.id);
      const del = await u.request('POST', '/trash/delete', { ids: [folder.id] });
      expect(del.statusCode).toBe(200);
      // The file was put in the trash on its own, before its folder: deleting the folder must not take it.
      expect(names((await u.trashList()).items)).toEqual(['survivor.txt']);
      const [restored] = await u.restore(file.id);
      expect(restored).toMatchObject({ id: file.id, parentId: u.root });
      expect((await u.content(file.id)).toString()).toBe('still here');
      expect(await u.usedBytes()).toBe('still here'.length);
    });

    it('numbers a restored item whose name was taken meanwhile', async () => {
      const u = await user();
      const file = await u.upload(u.root, 'doc.txt', 'old');
      const folder = await u.mkdir(u.root, 'dir');
      await u.trash(file.id, folder.id);
      await u.upload(u.root, 'DOC.txt', 'new');
      await u.mkdir(u.root, 'dir');
      const restored = await u.restore(file.id, folder.id);
      expect(names(restored)).toEqual(['doc (1).txt', 'dir (1)']);
      expect(names((await u.list(u.root)).items)).toEqual(['dir', 'dir (1)', 'doc (1).txt', 'DOC.txt']);
    });

    it('refuses to restore or delete something that is not a trashed item (404)', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'folder');
      const inner = await u.upload(folder.id, 'inner.txt', 'x');
      const live = await u.request('POST', '/trash/restore', { ids: [folder.id] });
      expect(live.statusCode).toBe(404);
      expect((await u.request('POST', '/trash/delete', { ids: [folder.id] })).statusCode).toBe(404);
      await u.trash(folder.id);
      // The file went with its folder; only the folder is a trash entry.
      expect((await u.request('POST', '/trash/restore', { ids: [inner.id] })).statusCode).toBe(404);
      expect((await u.request('POST', '/trash/delete', { ids: [inner.id] })).statusCode).toBe(404);
      expect((await u.item(inner.id)).trashedAt).not.toBeNull();
    });

    it('deletes trashed items for good, and empties the whole trash', async () => {
      const u = await user();
      const a = await u.upload(u.root, 'a.txt', 'aaaa');
      const b = await u.mkdir(u.root, 'b');
      const bFile = await u.upload(b.id, 'b.txt', 'bb');
      const c = await u.upload(u.root, 'c.txt', 'c');
      const keep = await u.upload(u.root, 'keep.txt', 'keep!');
      await u.trash(a.id, b.id, c.id);
      expect(await u.usedBytes()).toBe(4 + 2 + 1 + 5);

      const del = await u.request('POST', '/trash/delete', { ids: [a.id] });
      expect(del.statusCode).toBe(200);
      expect(del.json()).toEqual({ purged: 1 });
      expect((await u.request('GET', `/items/${a.id}`)).statusCode).toBe(404);
      expect(names((await u.trashList()).items).sort()).toEqual(['b', 'c.txt']);
      expect(await u.usedBytes()).toBe(2 + 1 + 5);

      const empty = await u.request('DELETE', '/trash');
      expect(empty.statusCode).toBe(200);
      expect(empty.json()).toEqual({ purged: 2 });
      expect((await u.trashList()).total).toBe(0);
      for (const id of [b.id, bFile.id, c.id])
        expect((await u.request('GET', `/items/${id}`)).statusCode).toBe(404);
      expect(await u.usedBytes()).toBe(5);
      expect(names((await u.list(u.root)).items)).toEqual(['keep.txt']);
      expect((await u.content(keep.id)).toString()).toBe('keep!');

      const again = await u.request('DELETE', '/trash');
      expect(again.json()).toEqual({ purged: 0 });
    });

    it('emptying the trash counts a file trashed before its folder only once', async () => {
      const u = await user();
      const folder = await u.mkdir(u.root, 'folder');
      const first = await u.upload(folder.id, 'first.bin', randomBytes(300));
      await u.upload(folder.id, 'second.bin', randomBytes(200));
      await u.upload(u.root, 'keep.bin', randomBytes(1000));
      await u.trash(first.id);
      await u.trash(folder.id);
      expect(await u.usedBytes()).toBe(1500);
      await u.request('DELETE', '/trash');
      expect(await u.usedBytes()).toBe(1000);
    });

    it('pages the trash', async () => {
      const u = await user();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await u.mkdir(u.root, `t${i}`)).id);
      await u.trash(...ids);
      const page1 = (await u.request('GET', '/trash?offset=0&limit=3')).json<{
        items: Item[];
        total: number;
      }>();
      const page2 = (await u.request('GET', '/trash?offset=3&limit=3')).json<{
        items: Item[];
        total: number;
      }>();
      expect(page1.total).toBe(5);
      expect(page1.items).toHaveLength(3);
      expect(page2.items).toHaveLength(2);
      expect(new Set([...page1.items, ...page2.items].map((i) => i.id))).toEqual(new Set(ids));
    });
  });

  describe('folder sizes and used bytes', () => {
    let u: Client;
    let a: Item, b: Item, c: Item, x: Item, y: Item, z: Item, w: Item;

    /** Sizes of the folders by name, and the user's used bytes. */
    async function sizes() {
      return {
        root: await u.size(u.root),
        a: await u.size(a.id),
        b: await u.size(b.id),
        c: await u.size(c.id),
        used: await u.usedBytes(),
      };
    }

    beforeAll(async () => {
      u = await user();
      a = await u.mkdir(u.root, 'A');
      b = await u.mkdir(a.id, 'B');
      c = await u.mkdir(b.id, 'C');
      x = await u.upload(a.id, 'x.bin', randomBytes(100));
      y = await u.upload(b.id, 'y.bin', randomBytes(200));
      z = await u.upload(c.id, 'z.bin', randomBytes(400));
      w = await u.upload(u.root, 'w.bin', randomBytes(50));
    });

    it('adds each upload to every folder above it and to the user', async () => {
      expect(await sizes()).toEqual({ root: 750, a: 700, b: 600, c: 400, used: 750 });
      expect(x.size).toBe(100);
      expect((await u.list(a.id)).items.find((i) => i.id === b.id)!.size).toBe(600);
      expect((await u.list(u.root)).folder.size).toBe(750);
    });

    it('moves sizes with a move, and back', async () => {
      await u.request('PATCH', `/items/${c.id}`, { parentId: u.root });
      expect(await sizes()).toEqual({ root: 750, a: 300, b: 200, c: 400, used: 750 });
      await u.request('PATCH', `/items/${z.id}`, { parentId: a.id });
      expect(await sizes()).toEqual({ root: 750, a: 700, b: 200, c: 0, used: 750 });
      await u.request('PATCH', `/items/${z.id}`, { parentId: c.id });
      await u.request('PATCH', `/items/${c.id}`, { parentId: b.id });
      expect(await sizes()).toEqual({ root: 750, a: 700, b: 600, c: 400, used: 750 });
      // A rename changes nothing.
      await u.request('PATCH', `/items/${b.id}`, { name: 'B2' });
      expect(await sizes()).toEqual({ root: 750, a: 700, b: 600, c: 400, used: 750 });
    });

    it('adds a copy to the target folders and to the used bytes', async () => {
      const res = await u.request('POST', '/items/copy', { ids: [b.id], parentId: c.id });
      expect(res.statusCode).toBe(409); // into its own descendant
      const copy = (await u.request('POST', '/items/copy', { ids: [b.id], parentId: u.root })).json<{
        items: Item[];
      }>().items[0]!;
      expect(copy.size).toBe(600);
      expect(await sizes()).toEqual({ root: 1350, a: 700, b: 600, c: 400, used: 1350 });

      // A copy into a nested folder grows each ancestor.
      const fileCopy = (await u.request('POST', '/items/copy', { ids: [w.id], parentId: c.id })).json<{
        items: Item[];
      }>().items[0]!;
      expect(await sizes()).toEqual({ root: 1400, a: 750, b: 650, c: 450, used: 1400 });

      // Trash: folder sizes drop, used bytes stay (trash still takes space).
      await u.trash(copy.id, fileCopy.id);
      expect(await sizes()).toEqual({ root: 750, a: 700, b: 600, c: 400, used: 1400 });
      // Restore: back again.
      await u.restore(copy.id, fileCopy.id);
      expect(await sizes()).toEqual({ root: 1400, a: 750, b: 650, c: 450, used: 1400 });
      // Delete for good: used bytes drop.
      await u.trash(copy.id, fileCopy.id);
      await u.request('POST', '/trash/delete', { ids: [copy.id, fileCopy.id] });
      expect(await sizes()).toEqual({ root: 750, a: 700, b: 600, c: 400, used: 750 });
    });

    it('trashing a nested file or folder shrinks its ancestors; restoring grows them back', async () => {
      await u.trash(y.id);
      expect(await sizes()).toEqual({ root: 550, a: 500, b: 400, c: 400, used: 750 });
      await u.trash(c.id);
      expect(await sizes()).toEqual({ root: 150, a: 100, b: 0, c: 400, used: 750 });
      await u.restore(c.id);
      expect(await sizes()).toEqual({ root: 550, a: 500, b: 400, c: 400, used: 750 });
      await u.restore(y.id);
      expect(await sizes()).toEqual({ root: 750, a: 700, b: 600, c: 400, used: 750 });
    });

    it('replacing a file adjusts the folder sizes by the difference; the used bytes keep the version it replaced', async () => {
      const replaced = await u.upload(a.id, 'x.bin', randomBytes(130), '?conflict=replace');
      expect(replaced.id).toBe(x.id);
      expect(replaced.size).toBe(130);
      // The 100 bytes it held are in its history, still stored.
      expect(await sizes()).toEqual({ root: 780, a: 730, b: 600, c: 400, used: 880 });
    });

    it('purging drops the used bytes', async () => {
      await u.trash(b.id);
      expect(await sizes()).toEqual({ root: 180, a: 130, b: 600, c: 400, used: 880 });
      const res = await u.request('DELETE', '/trash');
      expect(res.json()).toEqual({ purged: 1 });
      expect(await u.size(u.root)).toBe(180);
      expect(await u.size(a.id)).toBe(130);
      expect(await u.usedBytes()).toBe(280);
    });
  });

  describe('a folder with 2,000 entries', () => {
    let u: Client;
    let folderId: string;
    const COUNT = 2000;

    beforeAll(async () => {
      u = await user();
      folderId = (await u.mkdir(u.root, 'big')).id;
      // Rows straight into the database: the listing is what is under test, not 2,000 uploads.
      const mimeTypes = ['application/pdf', 'image/png', 'text/plain', 'video/mp4', 'audio/mpeg'];
      const base = Date.now() - 1_000_000;
      const rows: NewItemRow[] = [];
      for (let i = 0; i < COUNT; i++) {
        const folder = i % 7 === 0;
        const label = `${i % 3 === 0 ? 'Entry' : 'entry'}-${String((i * 7919) % COUNT).padStart(4, '0')}`;
        const row = newItemRow({
          owner_id: u.userId,
          parent_id: folderId,
          type: folder ? 'folder' : 'file',
          name: folder ? label : `${label}.dat`,
          now: base + (i % 13) * 1000,
          size: folder ? 0 : (i * 31) % 50,
          mime_type: folder ? null : mimeTypes[i % mimeTypes.length]!,
        });
        rows.push(row);
      }
      await t.drive.repos.items.insertMany(rows);
    });

    for (const sort of ['name', 'size', 'updated', 'type'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        it(`pages sort=${sort}&order=${order} with no duplicates or gaps`, async () => {
          const whole = await u.list(folderId, `?sort=${sort}&order=${order}&limit=${COUNT}`);
          expect(whole.total).toBe(COUNT);
          expect(whole.items).toHaveLength(COUNT);
          const expected = [...whole.items].sort(compareItems(sort, order)).map((i) => i.id);
          expect(whole.items.map((i) => i.id)).toEqual(expected);

          const seen: string[] = [];
          const limit = 333;
          for (let offset = 0; offset < COUNT; offset += limit) {
            const page = await u.list(
              folderId,
              `?sort=${sort}&order=${order}&offset=${offset}&limit=${limit}`,
            );
            expect(page.total).toBe(COUNT);
            expect(page.offset).toBe(offset);
            expect(page.items.length).toBe(Math.min(limit, COUNT - offset));
            seen.push(...page.items.map((i) => i.id));
          }
          expect(new Set(seen).size).toBe(COUNT);
          expect(seen).toEqual(expected);
        });
      }
    }

    it('lists the first 1,000 by default', async () => {
      const page = await u.list(folderId);
      expect(page.items).toHaveLength(1000);
      expect(page).toMatchObject({ total: COUNT, offset: 0, limit: 1000 });
    });
  });
});
