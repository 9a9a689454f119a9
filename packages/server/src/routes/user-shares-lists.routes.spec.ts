import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RecentListing, SearchResponse, StarredListing, TagList } from '@idrive/shared';
import { setUpSharing, share, sharingUser, type SharingFixture } from '../../test/helpers/sharing.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

describeEachDb('what is shared, in search, Starred, Recent and tags', (dialect) => {
  let t: TestApp;
  let f: SharingFixture;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    f = await setUpSharing(t);
  });
  afterAll(() => t.close());

  const get = async <T>(u: SharingFixture['owner'], path: string): Promise<T> => {
    const res = await u.request('GET', path);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  };
  const owner = () => ({ id: f.owner.userId, username: f.owner.username });

  it('finds shared items with their own and other users’ search, marked as shared, with paths from the share down', async () => {
    await f.viewer.upload(f.viewer.root, 'inner notes.txt', 'mine');
    const found = await get<SearchResponse>(f.viewer, '/search?q=inner');
    const byName = new Map(found.items.map((i) => [i.name, i]));
    expect([...byName.keys()].sort()).toEqual(['inner notes.txt', 'inner.txt']);
    expect(byName.get('inner.txt')).toMatchObject({
      shared: { owner: owner(), role: 'viewer' },
      parentPath: [
        { id: f.shared.id, name: 'shared' },
        { id: f.sub.id, name: 'sub' },
      ],
    });
    expect(byName.get('inner notes.txt')!.shared).toBeUndefined();
    // Within the shared folder, and never the owner's private items, whatever is asked.
    const within = await get<SearchResponse>(f.viewer, `/search?in=${f.shared.id}`);
    expect(within.items.map((i) => i.name).sort()).toEqual(['doc.txt', 'inner.txt', 'sub']);
    expect((await get<SearchResponse>(f.viewer, '/search?q=secret')).total).toBe(0);
    expect((await get<SearchResponse>(f.stranger, '/search?q=inner')).total).toBe(0);
    // The owner's own search is as it was: their items, unmarked.
    const own = await get<SearchResponse>(f.owner, '/search?q=inner');
    expect(own.items.map((i) => [i.name, i.shared])).toEqual([['inner.txt', undefined]]);
  });

  it('stars shared items, lists them in Starred, and leaves them out once the share ends', async () => {
    const grantee = await sharingUser(t);
    await share(f.owner, f.shared.id, grantee.userId, 'viewer');
    expect((await grantee.request('POST', '/items/star', { ids: [f.doc.id, f.sub.id] })).statusCode).toBe(
      200,
    );
    const starred = await get<StarredListing>(grantee, '/starred');
    const rows = starred.items.map((i) => [
      i.name,
      i.shared?.owner.username,
      i.parentPath.map((p) => p.name),
    ]);
    expect(rows.sort()).toEqual([
      ['doc.txt', f.owner.username, ['shared']],
      ['sub', f.owner.username, ['shared']],
    ]);
    // Stars are each user's own: the owner has none of them.
    expect((await get<StarredListing>(f.owner, '/starred')).total).toBe(0);
    await f.owner.request('DELETE', `/items/${f.shared.id}/access`, { userId: grantee.userId });
    expect((await get<StarredListing>(grantee, '/starred')).total).toBe(0);
    expect((await grantee.request('POST', '/items/star', { ids: [f.doc.id] })).statusCode).toBe(404);
  });

  it('puts what a grantee opens or changes in their own Recent, not the owner’s', async () => {
    const ownerBefore = (await get<RecentListing>(f.owner, '/recent')).items.map((i) => i.id);
    expect((await f.viewer.content(f.doc.id)).toString()).toBe('doc');
    const made = await f.editor.upload(f.sub.id, 'by editor.txt', 'e');
    const viewed = await get<RecentListing>(f.viewer, '/recent');
    expect(viewed.items.find((i) => i.id === f.doc.id)).toMatchObject({
      action: 'opened',
      shared: { owner: owner(), role: 'viewer' },
    });
    const edited = await get<RecentListing>(f.editor, '/recent');
    expect(edited.items.find((i) => i.id === made.id)).toMatchObject({
      action: 'changed',
      shared: { role: 'editor' },
    });
    const ownerAfter = (await get<RecentListing>(f.owner, '/recent')).items.map((i) => i.id);
    expect(ownerAfter).toEqual(ownerBefore);
  });

  it('keeps tags each user’s own: a grantee tags what is shared with them, and the owner sees none of it', async () => {
    const tag = await f.viewer.request('POST', '/tags', { name: 'to read' });
    const tagId = tag.json<{ id: string }>().id;
    const ownerTag = (await f.owner.request('POST', '/tags', { name: 'owner only' })).json<{ id: string }>()
      .id;
    expect(
      (await f.owner.request('POST', '/items/tags', { ids: [f.doc.id], add: [ownerTag] })).statusCode,
    ).toBe(200);
    expect(
      (await f.viewer.request('POST', '/items/tags', { ids: [f.doc.id], add: [tagId] })).statusCode,
    ).toBe(200);
    const seenByViewer = await get<{ tags: { name: string }[] }>(f.viewer, `/items/${f.doc.id}`);
    expect(seenByViewer.tags.map((x) => x.name)).toEqual(['to read']);
    const seenByOwner = await get<{ tags: { name: string }[] }>(f.owner, `/items/${f.doc.id}`);
    expect(seenByOwner.tags.map((x) => x.name)).toEqual(['owner only']);
    const counts = await get<TagList>(f.viewer, '/tags');
    expect(counts.tags.find((x) => x.id === tagId)?.items).toBe(1);
    // A copy into the grantee's drive keeps their tag and not the owner's.
    const copy = await f.viewer.request('POST', '/items/copy', { ids: [f.doc.id], parentId: f.viewer.root });
    const copied = copy.json<{ items: { id: string }[] }>().items[0]!.id;
    const copyTags = await get<{ tags: { name: string }[] }>(f.viewer, `/items/${copied}`);
    expect(copyTags.tags.map((x) => x.name)).toEqual(['to read']);
    expect((await get<TagList>(f.owner, '/tags')).tags.find((x) => x.id === ownerTag)?.items).toBe(1);
  });
});
