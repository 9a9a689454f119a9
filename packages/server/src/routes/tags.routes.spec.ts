import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TAG_DEFAULT_COLOR,
  type FileInfo,
  type SearchResponse,
  type Tag,
  type TagList,
} from '@idrive/shared';
import { newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

type Client = DriveClient & { userId: string; root: string };

describeEachDb('tags', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  async function createTag(u: DriveClient, name: string, color?: string): Promise<Tag> {
    const res = await u.request('POST', '/tags', { name, ...(color ? { color } : {}) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Tag>();
  }
  const listTags = async (u: DriveClient) => (await u.request('GET', '/tags')).json<TagList>().tags;
  async function changeTags(u: DriveClient, body: { ids: string[]; add?: string[]; remove?: string[] }) {
    const res = await u.request('POST', '/items/tags', body);
    expect(res.statusCode, res.body).toBe(200);
  }
  const tagNames = async (u: DriveClient, itemId: string) =>
    (await u.item(itemId)).tags?.map((tag) => tag.name);
  async function searchNames(u: DriveClient, query: string): Promise<string[]> {
    const res = await u.request('GET', `/search?limit=1000&${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res
      .json<SearchResponse>()
      .items.map((i) => i.name)
      .sort();
  }

  describe('managing tags', () => {
    it('creates, lists (by name), renames, recolours and deletes tags', async () => {
      const u = await newDriveUser(t);
      const work = await createTag(u, '  Work ');
      expect(work).toMatchObject({ name: 'Work', color: TAG_DEFAULT_COLOR, items: 0 });
      expect(Date.parse(work.createdAt)).not.toBeNaN();
      const urgent = await createTag(u, 'urgent', '#FF0000');
      expect(urgent.color).toBe('#ff0000');
      await createTag(u, 'Ärger');
      expect((await listTags(u)).map((tag) => tag.name)).toEqual(['urgent', 'Work', 'Ärger']);

      const renamed = await u.request('PATCH', `/tags/${work.id}`, { name: 'Praca' });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json<Tag>()).toMatchObject({ id: work.id, name: 'Praca', color: TAG_DEFAULT_COLOR });
      const recoloured = await u.request('PATCH', `/tags/${work.id}`, { color: '#00aa00' });
      expect(recoloured.json<Tag>()).toMatchObject({ name: 'Praca', color: '#00aa00' });

      const deleted = await u.request('DELETE', `/tags/${urgent.id}`);
      expect(deleted.statusCode).toBe(200);
      expect((await listTags(u)).map((tag) => tag.name)).toEqual(['Praca', 'Ärger']);
      expect((await u.request('DELETE', `/tags/${urgent.id}`)).statusCode).toBe(404);
    });

    it('keeps names unique per user, ignoring case', async () => {
      const u = await newDriveUser(t);
      const work = await createTag(u, 'Work');
      const home = await createTag(u, 'Home');
      const again = await u.request('POST', '/tags', { name: 'WORK' });
      expect(again.statusCode).toBe(409);
      expect(errorCode(again)).toBe('name_conflict');
      const clash = await u.request('PATCH', `/tags/${home.id}`, { name: 'work' });
      expect(clash.statusCode).toBe(409);
      // A tag may change the case of its own name.
      const recased = await u.request('PATCH', `/tags/${work.id}`, { name: 'WORK' });
      expect(recased.statusCode).toBe(200);
      expect((await listTags(u)).map((tag) => tag.name)).toEqual(['Home', 'WORK']);
      // Another user's names are their own business.
      await createTag(await newDriveUser(t), 'Work');
    });

    it('rejects bad names, colours and bodies with 400 and changes nothing', async () => {
      const u = await newDriveUser(t);
      const tag = await createTag(u, 'Keep');
      const bad: [string, string, unknown][] = [
        ['POST', '/tags', { name: '' }],
        ['POST', '/tags', { name: '   ' }],
        ['POST', '/tags', { name: 'x'.repeat(65) }],
        ['POST', '/tags', { name: 'tab\there' }],
        ['POST', '/tags', { name: 'ok', color: 'red' }],
        ['POST', '/tags', { name: 'ok', color: '#12345' }],
        ['POST', '/tags', {}],
        ['PATCH', `/tags/${tag.id}`, {}],
        ['PATCH', `/tags/${tag.id}`, { name: '' }],
        ['PATCH', `/tags/${tag.id}`, { color: '#gggggg' }],
        ['PATCH', '/tags/not-an-id', { name: 'x' }],
      ];
      for (const [method, url, body] of bad) {
        const res = await u.request(method as 'POST', url, body);
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
        expect(res.json<{ error: { message: string } }>().error.message.length).toBeGreaterThan(0);
      }
      expect(await listTags(u)).toEqual([{ ...tag }]);
    });
  });

  describe('on items', () => {
    let u: Client;
    let a: Tag;
    let b: Tag;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      u = await newDriveUser(t);
      a = await createTag(u, 'alpha', '#111111');
      b = await createTag(u, 'beta', '#222222');
      ids.folder = (await u.mkdir(u.root, 'tagged folder')).id;
      for (const name of ['x.txt', 'y.txt', 'z.txt', 'plain.txt'])
        ids[name] = (await u.upload(u.root, name, 'x')).id;
      await changeTags(u, { ids: [ids['x.txt']!, ids['y.txt']!, ids.folder], add: [a.id] });
      await changeTags(u, { ids: [ids['y.txt']!, ids['z.txt']!, ids.folder], add: [b.id] });
    });

    it("shows an item's tags in its details, by name", async () => {
      expect((await u.item(ids['y.txt']!)).tags).toEqual([
        { id: a.id, name: 'alpha', color: '#111111' },
        { id: b.id, name: 'beta', color: '#222222' },
      ]);
      expect(await tagNames(u, ids.folder!)).toEqual(['alpha', 'beta']);
      expect(await tagNames(u, ids['plain.txt']!)).toEqual([]);
      // A file's info (its details plus where it is stored) carries the same tags.
      const info = (await u.request('GET', `/files/${ids['y.txt']!}/info`)).json<FileInfo>();
      expect(info.tags?.map((tag) => tag.name)).toEqual(['alpha', 'beta']);
    });

    it('counts the live items carrying each tag', async () => {
      expect((await listTags(u)).map((tag) => [tag.name, tag.items])).toEqual([
        ['alpha', 3],
        ['beta', 3],
      ]);
    });

    it('finds items carrying all the given tags, and shows their tags', async () => {
      expect(await searchNames(u, `tags=${a.id}`)).toEqual(['tagged folder', 'x.txt', 'y.txt']);
      expect(await searchNames(u, `tags=${a.id},${b.id}`)).toEqual(['tagged folder', 'y.txt']);
      expect(await searchNames(u, `tags=${a.id}&tags=${b.id}&type=file`)).toEqual(['y.txt']);
      expect(await searchNames(u, `tags=${b.id}&q=z`)).toEqual(['z.txt']);
      const res = await u.request('GET', `/search?tags=${b.id}&q=y.txt`);
      expect(res.json<SearchResponse>().items[0]!.tags.map((tag) => tag.name)).toEqual(['alpha', 'beta']);
    });

    it('adds and removes in one request, and adding twice changes nothing', async () => {
      const c = await createTag(u, 'gamma');
      await changeTags(u, { ids: [ids['x.txt']!, ids['z.txt']!], add: [c.id, a.id], remove: [b.id] });
      expect(await tagNames(u, ids['x.txt']!)).toEqual(['alpha', 'gamma']);
      expect(await tagNames(u, ids['z.txt']!)).toEqual(['alpha', 'gamma']);
      await changeTags(u, { ids: [ids['z.txt']!], remove: [a.id, c.id] });
      await changeTags(u, { ids: [ids['z.txt']!], add: [b.id] });
      expect(await tagNames(u, ids['z.txt']!)).toEqual(['beta']);
      await changeTags(u, { ids: [ids['x.txt']!], remove: [c.id] });
      expect(await tagNames(u, ids['x.txt']!)).toEqual(['alpha']);
      await u.request('DELETE', `/tags/${c.id}`);
    });

    it('leaves trashed items out of counts and searches, and brings them back with their tags', async () => {
      await u.trash(ids['x.txt']!);
      expect((await listTags(u)).find((tag) => tag.id === a.id)?.items).toBe(2);
      expect(await searchNames(u, `tags=${a.id}`)).toEqual(['tagged folder', 'y.txt']);
      await u.restore(ids['x.txt']!);
      expect(await searchNames(u, `tags=${a.id}`)).toEqual(['tagged folder', 'x.txt', 'y.txt']);
    });

    it('takes a deleted tag off every item', async () => {
      const d = await createTag(u, 'delta');
      await changeTags(u, { ids: [ids['plain.txt']!, ids.folder!], add: [d.id] });
      expect(await tagNames(u, ids['plain.txt']!)).toEqual(['delta']);
      expect((await u.request('DELETE', `/tags/${d.id}`)).statusCode).toBe(200);
      expect(await tagNames(u, ids['plain.txt']!)).toEqual([]);
      expect(await tagNames(u, ids.folder!)).toEqual(['alpha', 'beta']);
      expect((await u.request('GET', `/search?tags=${d.id}`)).statusCode).toBe(404);
    });

    it('gives copies the tags of what they were copied from', async () => {
      const folder = await u.mkdir(u.root, 'to copy');
      const inside = await u.upload(folder.id, 'inside.txt', 'x');
      await changeTags(u, { ids: [folder.id], add: [a.id] });
      await changeTags(u, { ids: [inside.id], add: [b.id] });
      const res = await u.request('POST', '/items/copy', { ids: [folder.id], parentId: ids.folder! });
      expect(res.statusCode).toBe(201);
      const copy = res.json<{ items: { id: string }[] }>().items[0]!;
      expect(await tagNames(u, copy.id)).toEqual(['alpha']);
      const copied = await u.request('GET', `/search?tags=${b.id}&q=inside&in=${copy.id}`);
      expect(copied.json<SearchResponse>().items.map((i) => i.name)).toEqual(['inside.txt']);
    });

    it('refuses the root folder and malformed changes with 400', async () => {
      const root = await u.request('POST', '/items/tags', { ids: [u.root], add: [a.id] });
      expect(root.statusCode).toBe(400);
      expect(errorCode(root)).toBe('bad_request');
      for (const body of [
        { ids: [], add: [a.id] },
        { ids: [ids['y.txt']] },
        { ids: [ids['y.txt']], add: [], remove: [] },
        { ids: [ids['y.txt']], add: [a.id], remove: [a.id] },
        { ids: ['nope'], add: [a.id] },
        { ids: [ids['y.txt']], add: ['nope'] },
      ]) {
        const res = await u.request('POST', '/items/tags', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
      }
      expect(await tagNames(u, ids['y.txt']!)).toEqual(['alpha', 'beta']);
    });
  });

  it("answers 404 for another user's tags and items, and changes nothing", async () => {
    const alice = await newDriveUser(t);
    const bob = await newDriveUser(t);
    const aliceTag = await createTag(alice, 'private');
    const aliceFile = await alice.upload(alice.root, 'hers.txt', 'x');
    await changeTags(alice, { ids: [aliceFile.id], add: [aliceTag.id] });
    const bobTag = await createTag(bob, 'mine');
    const bobFile = await bob.upload(bob.root, 'his.txt', 'x');

    const attempts: [string, string, unknown][] = [
      ['PATCH', `/tags/${aliceTag.id}`, { name: 'taken over' }],
      ['DELETE', `/tags/${aliceTag.id}`, undefined],
      ['POST', '/items/tags', { ids: [aliceFile.id], add: [bobTag.id] }],
      ['POST', '/items/tags', { ids: [aliceFile.id], remove: [aliceTag.id] }],
      // One foreign id among good ones spoils the whole request.
      ['POST', '/items/tags', { ids: [bobFile.id], add: [bobTag.id, aliceTag.id] }],
      ['POST', '/items/tags', { ids: [bobFile.id, aliceFile.id], add: [bobTag.id] }],
      ['GET', `/search?tags=${aliceTag.id}`, undefined],
    ];
    for (const [method, url, body] of attempts) {
      const res = await bob.request(method as 'POST', url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(errorCode(res)).toBe('not_found');
    }
    expect(await listTags(alice)).toEqual([{ ...aliceTag, items: 1 }]);
    expect(await tagNames(alice, aliceFile.id)).toEqual(['private']);
    expect(await tagNames(bob, bobFile.id)).toEqual([]);
    expect((await listTags(bob)).map((tag) => tag.name)).toEqual(['mine']);
  });
});
