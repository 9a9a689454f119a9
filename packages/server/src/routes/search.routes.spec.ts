import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameKey, type Item, type SearchResponse } from '@idrive/shared';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

type Client = DriveClient & { userId: string; root: string };

describeEachDb('search', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  async function search(u: DriveClient, query: string): Promise<SearchResponse> {
    const res = await u.request('GET', `/search?${query}`);
    expect(res.statusCode, `${query}: ${res.body}`).toBe(200);
    return res.json<SearchResponse>();
  }
  const names = async (u: DriveClient, query: string) =>
    (await search(u, `limit=1000&${query}`)).items.map((i) => i.name).sort();
  const q = (text: string) => `q=${encodeURIComponent(text)}`;

  describe('by name', () => {
    let u: Client;
    beforeAll(async () => {
      u = await newDriveUser(t);
      for (const name of [
        'Żółć.txt',
        'ZÓŁTY raport.pdf',
        'Straße.md',
        'Søren Ørsted.doc',
        'Æsir saga.txt',
        '100%_done.txt',
        "say 'hi'.txt",
        'plain.txt',
      ]) {
        await u.upload(u.root, name, 'x');
      }
      await u.mkdir(u.root, 'Łódź trip');
    });

    it('matches any part of the name, ignoring case and accents', async () => {
      expect(await names(u, q('zolc'))).toEqual(['Żółć.txt']);
      expect(await names(u, q('ZOLC'))).toEqual(['Żółć.txt']);
      expect(await names(u, q('ŻÓŁĆ'))).toEqual(['Żółć.txt']);
      expect(await names(u, q('żół'))).toEqual(['ZÓŁTY raport.pdf', 'Żółć.txt']);
      expect(await names(u, q('ty rap'))).toEqual(['ZÓŁTY raport.pdf']);
      expect(await names(u, q('strasse'))).toEqual(['Straße.md']);
      expect(await names(u, q('soren ors'))).toEqual(['Søren Ørsted.doc']);
      expect(await names(u, q('aesir'))).toEqual(['Æsir saga.txt']);
      expect(await names(u, q('lodz'))).toEqual(['Łódź trip']);
      expect(await names(u, q('nothing like it'))).toEqual([]);
    });

    it('matches queries shorter than three characters too', async () => {
      expect(await names(u, q('ss'))).toEqual(['Straße.md']);
      expect(await names(u, q('ŁÓ'))).toEqual(['Łódź trip']);
      expect(await names(u, q('ø'))).toEqual([
        '100%_done.txt',
        'Søren Ørsted.doc',
        'ZÓŁTY raport.pdf',
        'Łódź trip',
        'Żółć.txt',
      ]);
    });

    it('takes wildcard and quote characters literally', async () => {
      expect(await names(u, q('%_'))).toEqual(['100%_done.txt']);
      expect(await names(u, q('%'))).toEqual(['100%_done.txt']);
      expect(await names(u, q('_d'))).toEqual(['100%_done.txt']);
      expect(await names(u, q("'hi'"))).toEqual(["say 'hi'.txt"]);
      expect(await names(u, q("'"))).toEqual(["say 'hi'.txt"]);
    });

    it('finds everything (but the root) when no criteria are given', async () => {
      const all = await search(u, '');
      expect(all.total).toBe(9);
      expect(all.items.map((i) => i.id)).not.toContain(u.root);
    });
  });

  describe('filters', () => {
    let u: Client;
    const ids = new Map<string, string>();
    const DAY = 86_400_000;
    const base = Date.UTC(2024, 0, 10);

    beforeAll(async () => {
      u = await newDriveUser(t);
      const photos = await u.mkdir(u.root, 'photos');
      ids.set('photos', photos.id);
      const files: [string, number][] = [
        ['a.jpg', 100],
        ['b.mp4', 2000],
        ['c.mp3', 300],
        ['d.pdf', 400],
        ['e.zip', 5000],
        ['f.txt', 10],
        ['g.bin', 700],
        ['H.JPG', 800],
        ['report.docx', 900],
        ['archive.tar.gz', 50],
      ];
      for (const [i, [name, size]] of files.entries()) {
        const item = await u.upload(photos.id, name, Buffer.alloc(size, 1));
        ids.set(name, item.id);
        await t.drive.repos.items.update(item.id, { updated_at: base + i * DAY });
      }
      await t.drive.repos.items.update(photos.id, { updated_at: base - DAY });
    });

    it('by type and kind', async () => {
      expect(await names(u, 'type=folder')).toEqual(['photos']);
      expect((await names(u, 'type=file')).length).toBe(10);
      expect(await names(u, 'kind=image')).toEqual(['H.JPG', 'a.jpg']);
      expect(await names(u, 'kind=image,video')).toEqual(['H.JPG', 'a.jpg', 'b.mp4']);
      expect(await names(u, 'kind=image&kind=audio')).toEqual(['H.JPG', 'a.jpg', 'c.mp3']);
      expect(await names(u, 'kind=document')).toEqual(['d.pdf', 'report.docx']);
      expect(await names(u, 'kind=archive')).toEqual(['archive.tar.gz', 'e.zip']);
      expect(await names(u, 'kind=text')).toEqual(['f.txt']);
      // Neither the folder (kinds are for files) nor any file of a known kind.
      expect(await names(u, 'kind=other')).toEqual(['g.bin']);
    });

    it('by extension, ignoring case, with or without the dot', async () => {
      expect(await names(u, 'ext=jpg')).toEqual(['H.JPG', 'a.jpg']);
      expect(await names(u, 'ext=.PDF,zip')).toEqual(['d.pdf', 'e.zip']);
      expect(await names(u, 'ext=tar.gz')).toEqual(['archive.tar.gz']);
      expect(await names(u, 'ext=gz')).toEqual(['archive.tar.gz']);
      expect(await names(u, 'ext=pg')).toEqual([]);
    });

    it('by size, inclusive at both ends', async () => {
      expect(await names(u, 'type=file&minSize=700&maxSize=900')).toEqual(['H.JPG', 'g.bin', 'report.docx']);
      expect(await names(u, 'type=file&minSize=2000')).toEqual(['b.mp4', 'e.zip']);
      expect(await names(u, 'maxSize=50')).toEqual(['archive.tar.gz', 'f.txt']);
    });

    it('by modification time: from (inclusive) and before (exclusive)', async () => {
      const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
      expect(await names(u, `modifiedFrom=${iso(base + 8 * DAY)}`)).toEqual([
        'archive.tar.gz',
        'report.docx',
      ]);
      expect(await names(u, `modifiedBefore=${iso(base + DAY)}`)).toEqual(['a.jpg', 'photos']);
      expect(
        await names(u, `modifiedFrom=${iso(base + 2 * DAY)}&modifiedBefore=${iso(base + 4 * DAY)}`),
      ).toEqual(['c.mp3', 'd.pdf']);
      // A date alone is midnight UTC; an offset is honoured.
      expect(await names(u, 'modifiedFrom=2024-01-19')).toEqual(['archive.tar.gz']);
      expect(await names(u, `modifiedBefore=${encodeURIComponent('2024-01-10T01:00:00+01:00')}`)).toEqual([
        'photos',
      ]);
    });

    it('combines filters with the name', async () => {
      expect(await names(u, `${q('A')}&kind=image`)).toEqual(['a.jpg']);
      expect(await names(u, `${q('rep')}&kind=document&maxSize=1000`)).toEqual(['report.docx']);
      expect(await names(u, `${q('rep')}&kind=document&maxSize=800`)).toEqual([]);
    });
  });

  describe('order and pages', () => {
    let u: Client;
    let all: Item[];

    beforeAll(async () => {
      u = await newDriveUser(t);
      const folder = await u.mkdir(u.root, 'Sorted');
      const sizes = [5, 3, 5, 1, 9, 3, 7, 5, 2, 8, 3, 6];
      for (const [i, size] of sizes.entries()) {
        const name = `${['beta', 'Alpha', 'gamma', 'delta'][i % 4]}-${String.fromCharCode(122 - i)}.txt`;
        const item = await u.upload(folder.id, name, Buffer.alloc(size, 1));
        // Some equal times, to check the tie order.
        await t.drive.repos.items.update(item.id, { updated_at: 1_700_000_000_000 + (i % 5) * 1000 });
      }
      all = (await search(u, 'type=file&limit=1000')).items;
      expect(all).toHaveLength(12);
    });

    const expected = (sort: 'name' | 'size' | 'updated', order: 'asc' | 'desc') => {
      const dir = order === 'asc' ? 1 : -1;
      const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
      const key = (i: Item) => (sort === 'size' ? i.size : sort === 'updated' ? Date.parse(i.updatedAt) : 0);
      return [...all]
        .sort(
          (a, b) =>
            dir * cmp(key(a), key(b)) || dir * cmp(nameKey(a.name), nameKey(b.name)) || cmp(a.id, b.id),
        )
        .map((i) => i.name);
    };

    for (const sort of ['name', 'size', 'updated'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        it(`sorts by ${sort} ${order}, ties by name`, async () => {
          const got = await search(u, `type=file&sort=${sort}&order=${order}`);
          expect(got.items.map((i) => i.name)).toEqual(expected(sort, order));
        });
      }
    }

    it('pages with offset and limit, counting every match in total', async () => {
      const pages: string[] = [];
      for (let offset = 0; offset < 12; offset += 5) {
        const page = await search(u, `type=file&sort=size&order=desc&offset=${offset}&limit=5`);
        expect(page).toMatchObject({ total: 12, offset, limit: 5 });
        expect(page.items.length).toBe(Math.min(5, 12 - offset));
        pages.push(...page.items.map((i) => i.name));
      }
      expect(pages).toEqual(expected('size', 'desc'));
      const past = await search(u, 'type=file&offset=100');
      expect(past).toMatchObject({ items: [], total: 12 });
    });
  });

  it('gives each result the path of the folder it is in', async () => {
    const u = await newDriveUser(t);
    const a = await u.mkdir(u.root, 'Work');
    const b = await u.mkdir(a.id, '2024');
    const deep = await u.upload(b.id, 'deep-note.txt', 'x');
    const top = await u.upload(u.root, 'top-note.txt', 'x');
    const got = await search(u, `${q('note')}`);
    const byName = new Map(got.items.map((i) => [i.name, i]));
    expect(byName.get('deep-note.txt')).toMatchObject({
      id: deep.id,
      parentId: b.id,
      parentPath: [
        { id: u.root, name: '' },
        { id: a.id, name: 'Work' },
        { id: b.id, name: '2024' },
      ],
      tags: [],
    });
    expect(byName.get('top-note.txt')).toMatchObject({ id: top.id, parentPath: [{ id: u.root, name: '' }] });
  });

  it("searches inside a folder's whole subtree", async () => {
    const u = await newDriveUser(t);
    const projects = await u.mkdir(u.root, 'Projects');
    const inner = await u.mkdir(projects.id, 'inner');
    const innermost = await u.mkdir(inner.id, 'innermost');
    await u.upload(projects.id, 'plan-1.txt', 'x');
    await u.upload(innermost.id, 'plan-2.txt', 'x');
    await u.upload(u.root, 'plan-3.txt', 'x');
    const elsewhere = await u.mkdir(u.root, 'Elsewhere');
    await u.upload(elsewhere.id, 'plan-4.txt', 'x');

    expect(await names(u, `${q('plan')}&in=${projects.id}`)).toEqual(['plan-1.txt', 'plan-2.txt']);
    expect(await names(u, `${q('plan')}&in=${inner.id}`)).toEqual(['plan-2.txt']);
    expect(await names(u, `in=${projects.id}`)).toEqual(['inner', 'innermost', 'plan-1.txt', 'plan-2.txt']);
    expect(await names(u, `${q('pl')}&in=${u.root}`)).toEqual([
      'plan-1.txt',
      'plan-2.txt',
      'plan-3.txt',
      'plan-4.txt',
    ]);

    const file = (await search(u, q('plan-3'))).items[0]!;
    const notFolder = await u.request('GET', `/search?in=${file.id}`);
    expect(notFolder.statusCode).toBe(400);
    await u.trash(elsewhere.id);
    const trashed = await u.request('GET', `/search?in=${elsewhere.id}`);
    expect(trashed.statusCode).toBe(409);
  });

  it('leaves out the trash', async () => {
    const u = await newDriveUser(t);
    const folder = await u.mkdir(u.root, 'old stuff');
    await u.upload(folder.id, 'file-in-trashed-folder.txt', 'x');
    const file = await u.upload(u.root, 'trashed-file.txt', 'x');
    await u.upload(u.root, 'kept-file.txt', 'x');
    await u.trash(folder.id, file.id);
    expect(await names(u, q('file'))).toEqual(['kept-file.txt']);
    expect(await names(u, q('old'))).toEqual([]);
    await u.restore(folder.id);
    expect(await names(u, q('file'))).toEqual(['file-in-trashed-folder.txt', 'kept-file.txt']);
  });

  it("never shows one user another user's items, nor searches their folders", async () => {
    const alice = await newDriveUser(t);
    const bob = await newDriveUser(t);
    const secret = await alice.mkdir(alice.root, 'shared-word alice');
    await alice.upload(secret.id, 'shared-word.txt', 'x');
    await bob.upload(bob.root, 'shared-word bob.txt', 'x');
    expect(await names(alice, q('shared-word'))).toEqual(['shared-word alice', 'shared-word.txt']);
    expect(await names(bob, q('shared-word'))).toEqual(['shared-word bob.txt']);
    expect((await search(bob, '')).total).toBe(1);
    const res = await bob.request('GET', `/search?in=${secret.id}`);
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('not_found');
  });

  it('finds items under their new names after a rename, a copy, and a restore that renames', async () => {
    const u = await newDriveUser(t);
    const file = await u.upload(u.root, 'before-rename.txt', 'x');
    const renamed = await u.request('PATCH', `/items/${file.id}`, { name: 'Żaba po zmianie.txt' });
    expect(renamed.statusCode).toBe(200);
    expect(await names(u, q('before'))).toEqual([]);
    expect(await names(u, q('zaba po'))).toEqual(['Żaba po zmianie.txt']);

    const folder = await u.mkdir(u.root, 'copies');
    const copied = await u.request('POST', '/items/copy', { ids: [file.id], parentId: folder.id });
    expect(copied.statusCode).toBe(201);
    expect((await search(u, q('zaba'))).items.map((i) => i.parentId).sort()).toEqual(
      [u.root, folder.id].sort(),
    );

    // Restoring next to a live item of the same name gives it a number: it is found by that name.
    await u.trash(file.id);
    await u.upload(u.root, 'Żaba po zmianie.txt', 'y');
    await u.restore(file.id);
    expect(await names(u, `${q('zaba')}&in=${u.root}`)).toEqual([
      'Żaba po zmianie (1).txt',
      'Żaba po zmianie.txt',
      'Żaba po zmianie.txt',
    ]);
    expect(await names(u, q('(1)'))).toEqual(['Żaba po zmianie (1).txt']);
  });

  it('leaves out what is inside a locked folder until the session unlocks it', async () => {
    const owner = await newDriveUser(t);
    const username = (await owner.request('GET', '/auth/me')).json<{ user: { username: string } }>().user
      .username;
    const vault = await owner.mkdir(owner.root, 'vault-word');
    const deep = await owner.mkdir(vault.id, 'deeper');
    await owner.upload(deep.id, 'vault-word inside.txt', 'x');
    await owner.upload(owner.root, 'vault-word outside.txt', 'x');
    const lock = await owner.request('POST', `/folders/${vault.id}/lock`, { password: 'vault-password-1' });
    expect(lock.statusCode).toBe(201);

    const other = driveClient(t, await t.login(username, 'user-password-1'));
    const found = await search(other, `limit=1000&${q('vault-word')}`);
    expect(found.items.map((i) => i.name).sort()).toEqual(['vault-word', 'vault-word outside.txt']);
    expect(found.items.find((i) => i.id === vault.id)?.locked).toBe(true);
    expect(await names(other, q('deeper'))).toEqual([]);
    const inside = await other.request('GET', `/search?in=${deep.id}`);
    expect(inside.statusCode).toBe(423);

    expect(
      (await other.request('POST', `/folders/${vault.id}/unlock`, { password: 'vault-password-1' }))
        .statusCode,
    ).toBe(200);
    expect(await names(other, q('vault-word'))).toEqual([
      'vault-word',
      'vault-word inside.txt',
      'vault-word outside.txt',
    ]);
    expect(await names(other, `in=${deep.id}`)).toEqual(['vault-word inside.txt']);
  });

  it('rejects bad input with 400 and the error envelope, naming the field', async () => {
    const u = await newDriveUser(t);
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['offset=-1', 'offset'],
      ['sort=color', 'sort'],
      ['order=sideways', 'order'],
      ['type=link', 'type'],
      ['kind=spreadsheet', 'kind'],
      ['ext=a%20b', 'ext'],
      ['minSize=-1', 'minSize'],
      ['maxSize=lots', 'maxSize'],
      ['minSize=10&maxSize=5', 'minSize'],
      ['modifiedFrom=yesterday', 'modifiedFrom'],
      ['modifiedFrom=2024-02-01&modifiedBefore=2024-01-01', 'modifiedFrom'],
      ['tags=not-an-id', 'tags'],
      ['in=not-an-id', 'in'],
      [`q=${'x'.repeat(256)}`, 'q'],
      ['type=folder&kind=image', 'type'],
      ['type=folder&ext=pdf', 'type'],
    ];
    for (const [query, field] of cases) {
      const res = await u.request('GET', `/search?${query}`);
      expect(res.statusCode, query).toBe(400);
      const body = res.json<{
        error: { code: string; message: string; details: { issues: { field: string }[] } };
      }>();
      expect(body.error.code, query).toBe('validation_failed');
      expect(body.error.message.length, query).toBeGreaterThan(0);
      const fields = body.error.details.issues.map((i) => i.field);
      expect(
        fields.some((f) => f === `querystring.${field}` || f.startsWith(`querystring.${field}.`)),
        `${query}: ${fields.join(', ')}`,
      ).toBe(true);
    }
  });
});
