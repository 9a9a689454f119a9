import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { davClient, hrefs, type DavRequest } from '../helpers/dav-client.js';
import { ownerSnapshot, setUpSharing, share, sharingUser, type SharingFixture } from '../helpers/sharing.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

const SHARED = '/dav/Shared%20with%20me';

/** WebDAV's "Shared with me": what others share with the user, with the roles the REST API gives. */
describeEachDb('WebDAV: Shared with me', (dialect) => {
  let t: TestApp;
  let f: SharingFixture;
  let viewer: DavRequest;
  let editor: DavRequest;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    f = await setUpSharing(t);
    viewer = davClient(t, f.viewer.username);
    editor = davClient(t, f.editor.username);
  });
  afterAll(() => t.close());

  const depth1 = { headers: { depth: '1' } };

  it('lists the collection in the root once something is shared, and what is shared in it', async () => {
    const root = await viewer('PROPFIND', '/dav/', depth1);
    expect(root.statusCode).toBe(207);
    expect(hrefs(root.body)).toContain(`${SHARED}/`);
    const listed = await viewer('PROPFIND', `${SHARED}/`, depth1);
    expect(hrefs(listed.body)).toEqual([`${SHARED}/`, `${SHARED}/shared/`]);
    const inside = await viewer('PROPFIND', `${SHARED}/shared/sub/`, depth1);
    expect(hrefs(inside.body)).toEqual([`${SHARED}/shared/sub/`, `${SHARED}/shared/sub/inner.txt`]);
    expect((await viewer('GET', `${SHARED}/shared/doc.txt`)).body).toBe('doc');
    // A user nobody shares with has no such collection, and the name is an ordinary one.
    const alone = await sharingUser(t);
    const theirs = davClient(t, alone.username);
    expect(hrefs((await theirs('PROPFIND', '/dav/', depth1)).body)).toEqual(['/dav/']);
    expect((await theirs('MKCOL', `${SHARED}/`)).statusCode).toBe(201);
  });

  it('names two shared items of one name apart, in the order they were shared', async () => {
    const other = await sharingUser(t);
    const second = await other.mkdir(other.root, 'shared');
    await other.upload(second.id, 'theirs.txt', 'theirs');
    await share(other, second.id, f.viewer.userId, 'viewer');
    const listed = hrefs((await viewer('PROPFIND', `${SHARED}/`, depth1)).body);
    expect(listed).toEqual([`${SHARED}/`, `${SHARED}/shared/`, `${SHARED}/shared%20(1)/`]);
    expect((await viewer('GET', `${SHARED}/shared%20(1)/theirs.txt`)).body).toBe('theirs');
  });

  it('lets a viewer change nothing, by any method', async () => {
    const before = await ownerSnapshot(t, f.owner);
    const attempts: [string, string, Record<string, string>, string?][] = [
      ['PUT', `${SHARED}/shared/doc.txt`, {}, 'changed'],
      ['PUT', `${SHARED}/shared/new.txt`, {}, 'new'],
      ['MKCOL', `${SHARED}/shared/made/`, {}],
      ['DELETE', `${SHARED}/shared/doc.txt`, {}],
      ['MOVE', `${SHARED}/shared/doc.txt`, { destination: `${SHARED}/shared/sub/doc.txt` }],
      ['COPY', `${SHARED}/shared/doc.txt`, { destination: `${SHARED}/shared/sub/copy.txt` }],
      [
        'PROPPATCH',
        `${SHARED}/shared/doc.txt`,
        {},
        '<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><x:a>1</x:a></D:prop></D:set></D:propertyupdate>',
      ],
      ['DELETE', `${SHARED}/shared/`, {}],
      ['DELETE', `${SHARED}/`, {}],
      ['PUT', `${SHARED}/loose.txt`, {}, 'x'],
    ];
    const failures: string[] = [];
    for (const [method, url, headers, body] of attempts) {
      const res = await viewer(method, url, { headers, ...(body ? { body } : {}) });
      if (res.statusCode !== 403 && res.statusCode !== 405)
        failures.push(`${method} ${url} → ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
    expect(await ownerSnapshot(t, f.owner)).toBe(before);
    // Copying out into their own drive is reading.
    const out = await viewer('COPY', `${SHARED}/shared/doc.txt`, {
      headers: { destination: '/dav/doc.txt' },
    });
    expect(out.statusCode).toBe(201);
    expect((await viewer('GET', '/dav/doc.txt')).body).toBe('doc');
  });

  it('lets an editor write inside the shared folder, as the owner’s, and not move anything out', async () => {
    expect((await editor('PUT', `${SHARED}/shared/sub/via-dav.txt`, { body: 'dav' })).statusCode).toBe(201);
    expect((await editor('MKCOL', `${SHARED}/shared/dav-folder/`)).statusCode).toBe(201);
    const moved = await editor('MOVE', `${SHARED}/shared/sub/via-dav.txt`, {
      headers: { destination: `${SHARED}/shared/dav-folder/via-dav.txt` },
    });
    expect(moved.statusCode).toBe(201);
    const listing = (await f.owner.list(f.shared.id)).items.find((i) => i.name === 'dav-folder');
    expect(listing).toBeDefined();
    expect((await f.owner.list(listing!.id)).items.map((i) => i.name)).toEqual(['via-dav.txt']);
    const out = await editor('MOVE', `${SHARED}/shared/dav-folder/via-dav.txt`, {
      headers: { destination: '/dav/stolen.txt' },
    });
    expect(out.statusCode).toBe(403);
    const rootNames = (
      await t.drive.app.inject({
        method: 'GET',
        url: '/api/v1/folders/root',
        headers: { authorization: `Bearer ${f.editor.token}` },
      })
    ).json<Listing>().items;
    expect(rootNames.map((i) => i.name)).not.toContain('stolen.txt');
    // The shared folder itself is its owner's entry.
    expect((await editor('DELETE', `${SHARED}/shared/`)).statusCode).toBe(403);
    expect((await editor('PUT', `${SHARED}/shared/doc.txt`, { body: 'edited' })).statusCode).toBe(204);
    expect((await f.owner.content(f.doc.id)).toString()).toBe('edited');
    // A file shared on its own takes new bytes in place, in its owner's folder.
    const alone = await f.owner.upload(f.owner.root, 'alone.txt', 'before');
    await share(f.owner, alone.id, f.editor.userId, 'editor');
    expect((await editor('PUT', `${SHARED}/alone.txt`, { body: 'after' })).statusCode).toBe(204);
    expect((await f.owner.content(alone.id)).toString()).toBe('after');
    expect((await f.owner.item(alone.id)).parentId).toBe(f.owner.root);
  });
});
