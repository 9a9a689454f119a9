import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Listing, TrashListing } from '@idrive/shared';
import { basic, davClient, hrefs, propfindOf, type DavRequest } from '../helpers/dav-client.js';
import { rawRequest } from '../helpers/route-walk.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

const sha1 = (b: string | Buffer) => createHash('sha1').update(b).digest('hex');
const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('hex');

/** Each WebDAV method against an app in-process, with the answers a client relies on and bad input. */
describeEachDb('WebDAV methods', (dialect) => {
  let t: TestApp;
  let dav: DavRequest;
  let token: string;
  let username: string;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_MAX_FILE_SIZE: String(10 * 1024 * 1024) } });
    const u = await t.createUser(['upload', 'delete', 'share']);
    token = u.token;
    username = u.user.username;
    dav = davClient(t, username);
  });
  afterAll(() => t.close());

  const rest = async <T>(url: string): Promise<T> =>
    (await t.drive.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: bearer(token) })).json<T>();
  const rootListing = () => rest<Listing>('/folders/root');

  it('answers OPTIONS with class 1 and 2, MS-Author-Via and the methods', async () => {
    const res = await dav('OPTIONS', '/dav/');
    expect(res.statusCode).toBe(200);
    expect(res.headers.dav).toBe('1, 2');
    expect(res.headers['ms-author-via']).toBe('DAV');
    expect(String(res.headers.allow)).toContain('PROPFIND');
  });

  it('asks for Basic credentials, refuses wrong ones and bearer tokens, and throttles guesses as sign-in does', async () => {
    const none = await t.drive.app.inject({ method: 'PROPFIND', url: '/dav/' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Basic realm="I Drive"');
    const withBearer = await t.drive.app.inject({ method: 'PROPFIND', url: '/dav/', headers: bearer(token) });
    expect(withBearer.statusCode).toBe(401);
    const victim = await t.createUser(['upload']);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.drive.app.inject({
        method: 'PROPFIND',
        url: '/dav/',
        headers: basic(victim.user.username, 'wrong-password'),
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('PUT creates (201), replaces keeping the id (204), and GET returns the bytes with Range', async () => {
    expect((await dav('PUT', '/dav/notes.txt', { body: 'first version' })).statusCode).toBe(201);
    const id = (await rootListing()).items.find((i) => i.name === 'notes.txt')!.id;
    expect((await dav('PUT', '/dav/notes.txt', { body: 'second version!' })).statusCode).toBe(204);
    const after = (await rootListing()).items.filter((i) => i.name === 'notes.txt');
    expect(after.map((i) => i.id)).toEqual([id]);
    const get = await dav('GET', '/dav/notes.txt');
    expect(get.body).toBe('second version!');
    const ranged = await dav('GET', '/dav/notes.txt', { headers: { range: 'bytes=7-' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.body).toBe('version!');
    const stale = await dav('GET', '/dav/notes.txt', { headers: { range: 'bytes=7-', 'if-range': '"old"' } });
    expect(stale.statusCode).toBe(200);
    const head = await dav('HEAD', '/dav/notes.txt');
    expect(head.headers['content-length']).toBe('15');
    expect(head.headers.etag).toBe(get.headers.etag);
  });

  it('PUT without a parent is 409, on a collection 405, past the size limit 413, and a bad name 400', async () => {
    expect((await dav('PUT', '/dav/nowhere/x.txt', { body: 'x' })).statusCode).toBe(409);
    await dav('MKCOL', '/dav/coll');
    expect((await dav('PUT', '/dav/coll', { body: 'x' })).statusCode).toBe(405);
    const big = await dav('PUT', '/dav/big.bin', {
      headers: { 'x-expected-entity-length': String(11 * 1024 * 1024), 'transfer-encoding': 'chunked' },
      body: 'x',
    });
    expect(big.statusCode).toBe(413);
    expect((await dav('PUT', '/dav/a%3Ab.txt', { body: 'x' })).statusCode).toBe(400);
    const names = (await rootListing()).items.map((i) => i.name);
    expect(names).not.toContain('big.bin');
  });

  it('records SHA-1 and MD5 at upload, checks OC-Checksum, and honours X-OC-Mtime', async () => {
    const body = 'checked bytes';
    const wrong = await dav('PUT', '/dav/sum.txt', {
      headers: { 'oc-checksum': `SHA1:${sha1('other')}` },
      body,
    });
    expect(wrong.statusCode).toBe(400);
    expect((await rootListing()).items.map((i) => i.name)).not.toContain('sum.txt');
    const right = await dav('PUT', '/dav/sum.txt', {
      headers: { 'oc-checksum': `SHA1:${sha1(body)}`, 'x-oc-mtime': '1500000000' },
      body,
    });
    expect(right.statusCode).toBe(201);
    expect(right.headers['x-oc-mtime']).toBe('accepted');
    const props = await dav('PROPFIND', '/dav/sum.txt', {
      headers: { depth: '0' },
      body: propfindOf('<oc:checksums/>', '<D:getlastmodified/>'),
    });
    expect(props.statusCode).toBe(207);
    expect(props.body).toContain(`<oc:checksum>SHA1:${sha1(body)} MD5:${md5(body)}</oc:checksum>`);
    expect(props.body).toContain(new Date(1500000000_000).toUTCString());
  });

  it('takes a chunked PUT without a length', async () => {
    const res = await t.drive.app.inject({
      method: 'PUT',
      url: '/dav/chunked.txt',
      headers: { ...basic(username, 'user-password-1'), 'transfer-encoding': 'chunked' },
      payload: 'streamed without a length',
    });
    expect(res.statusCode).toBe(201);
    expect((await dav('GET', '/dav/chunked.txt')).body).toBe('streamed without a length');
  });

  it('PROPFIND: Depth 1 lists with encoded hrefs and slashes on folders; infinity is 403; bad XML 400', async () => {
    await dav('MKCOL', '/dav/%C3%BCber%20ordner');
    await dav('PUT', '/dav/%C3%BCber%20ordner/caf%C3%A9%20%231.txt', { body: 'x' });
    const res = await dav('PROPFIND', '/dav/%C3%BCber%20ordner/', { headers: { depth: '1' } });
    expect(res.statusCode).toBe(207);
    expect(hrefs(res.body)).toEqual([
      '/dav/%C3%BCber%20ordner/',
      '/dav/%C3%BCber%20ordner/caf%C3%A9%20%231.txt',
    ]);
    const infinite = await dav('PROPFIND', '/dav/', { headers: { depth: 'infinity' } });
    expect(infinite.statusCode).toBe(403);
    expect(infinite.body).toContain('<D:propfind-finite-depth/>');
    const bad = await dav('PROPFIND', '/dav/', {
      headers: { depth: '0' },
      body: '<D:propfind xmlns:D="DAV:"><D:prop>',
    });
    expect(bad.statusCode).toBe(400);
    const emptyNs = await dav('PROPFIND', '/dav/', {
      headers: { depth: '0' },
      body: '<D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>',
    });
    expect(emptyNs.statusCode).toBe(400);
    const doctype = await dav('PROPFIND', '/dav/', {
      headers: { depth: '0' },
      body: '<!DOCTYPE x [<!ENTITY a "b">]><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
    });
    expect(doctype.statusCode).toBe(400);
    const huge = await dav('PROPFIND', '/dav/', { headers: { depth: '0' }, body: ' '.repeat(300 * 1024) });
    expect(huge.statusCode).toBe(413);
    expect((await dav('PROPFIND', '/dav/missing', { headers: { depth: '0' } })).statusCode).toBe(404);
  });

  it('refuses dotted, NUL and encoded-slash paths with 400 (sent on the wire as written)', async () => {
    const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const urls = [
      '/dav/../api/v1/users',
      '/dav/%2e%2e/x',
      '/dav/x/%2E',
      '/dav/a%00b',
      '/dav/a%2fb',
      '/dav/%zz',
      '/dav/a#frag',
    ];
    for (const url of urls) {
      const res = await rawRequest(base, 'PROPFIND', url, {
        ...basic(username, 'user-password-1'),
        depth: '0',
      });
      expect(res.status, url).toBe(400);
    }
  });

  it('MKCOL: 201, then 405; with a body 415; without a parent 409', async () => {
    expect((await dav('MKCOL', '/dav/made')).statusCode).toBe(201);
    expect((await dav('MKCOL', '/dav/made')).statusCode).toBe(405);
    expect((await dav('MKCOL', '/dav/withbody', { body: '<x/>' })).statusCode).toBe(415);
    expect((await dav('MKCOL', '/dav/no/parent')).statusCode).toBe(409);
  });

  it('DELETE puts the item in the trash', async () => {
    await dav('PUT', '/dav/doomed.txt', { body: 'x' });
    expect((await dav('DELETE', '/dav/doomed.txt')).statusCode).toBe(204);
    expect((await dav('GET', '/dav/doomed.txt')).statusCode).toBe(404);
    const trash = await rest<TrashListing>('/trash');
    expect(trash.items.map((i) => i.name)).toContain('doomed.txt');
    expect((await dav('DELETE', '/dav/')).statusCode).toBe(403);
  });

  it('COPY and MOVE: Overwrite F is 412, T replaces (204); rename keeps the id; bad Destinations 400/502', async () => {
    await dav('PUT', '/dav/src.txt', { body: 'source' });
    await dav('PUT', '/dav/dst.txt', { body: 'dest' });
    const f = await dav('COPY', '/dav/src.txt', { headers: { destination: '/dav/dst.txt', overwrite: 'F' } });
    expect(f.statusCode).toBe(412);
    expect((await dav('GET', '/dav/dst.txt')).body).toBe('dest');
    const tt = await dav('COPY', '/dav/src.txt', {
      headers: { destination: 'http://localhost:80/dav/dst.txt' },
    });
    expect(tt.statusCode).toBe(204);
    expect((await dav('GET', '/dav/dst.txt')).body).toBe('source');
    const id = (await rootListing()).items.find((i) => i.name === 'src.txt')!.id;
    expect(
      (await dav('MOVE', '/dav/src.txt', { headers: { destination: '/dav/made/renamed.txt' } })).statusCode,
    ).toBe(201);
    const made = (await rootListing()).items.find((i) => i.name === 'made')!;
    const inMade = await rest<Listing>(`/folders/${made.id}/children`);
    expect(inMade.items.map((i) => [i.name, i.id])).toEqual([['renamed.txt', id]]);
    expect(
      (await dav('COPY', '/dav/dst.txt', { headers: { destination: 'http://elsewhere/dav/x' } })).statusCode,
    ).toBe(502);
    expect((await dav('COPY', '/dav/dst.txt', { headers: { destination: '/api/v1/x' } })).statusCode).toBe(
      502,
    );
    expect((await dav('COPY', '/dav/dst.txt', { headers: { destination: 'http://[bad' } })).statusCode).toBe(
      400,
    );
    expect((await dav('COPY', '/dav/dst.txt', {})).statusCode).toBe(400);
    expect(
      (await dav('MOVE', '/dav/dst.txt', { headers: { destination: '/dav/no/where.txt' } })).statusCode,
    ).toBe(409);
  });

  it('COPY of a collection with Depth 0 makes it empty; with infinity it copies what is inside', async () => {
    await dav('MKCOL', '/dav/tree');
    await dav('PUT', '/dav/tree/leaf.txt', { body: 'leaf' });
    await dav('COPY', '/dav/tree/', { headers: { destination: '/dav/shallow/', depth: '0' } });
    await dav('COPY', '/dav/tree/', { headers: { destination: '/dav/deep/' } });
    const list = async (u: string) => hrefs((await dav('PROPFIND', u, { headers: { depth: '1' } })).body);
    expect(await list('/dav/shallow/')).toEqual(['/dav/shallow/']);
    expect(await list('/dav/deep/')).toEqual(['/dav/deep/', '/dav/deep/leaf.txt']);
  });

  it('PROPPATCH keeps dead properties (copied along), applies Win32LastModifiedTime, refuses live ones atomically', async () => {
    await dav('PUT', '/dav/props.txt', { body: 'p' });
    const set = await dav('PROPPATCH', '/dav/props.txt', {
      body:
        '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:" xmlns:e="http://example.com/ns">' +
        '<D:set><D:prop><e:color>blue &amp; <e:b>bold</e:b></e:color>' +
        '<Z:Win32LastModifiedTime>Wed, 01 Jan 2020 00:00:00 GMT</Z:Win32LastModifiedTime></D:prop></D:set></D:propertyupdate>',
    });
    expect(set.statusCode).toBe(207);
    expect(set.body.match(/HTTP\/1.1 200 OK/g)).toHaveLength(2);
    await dav('COPY', '/dav/props.txt', { headers: { destination: '/dav/props-copy.txt' } });
    const got = await dav('PROPFIND', '/dav/props-copy.txt', {
      headers: { depth: '0' },
      body: '<D:propfind xmlns:D="DAV:" xmlns:e="http://example.com/ns"><D:prop><e:color/></D:prop></D:propfind>',
    });
    expect(got.body).toContain(
      '<x:color xmlns:x="http://example.com/ns">blue &amp; <b xmlns="http://example.com/ns">bold</b></x:color>',
    );
    const mtime = await dav('PROPFIND', '/dav/props.txt', {
      headers: { depth: '0' },
      body: propfindOf('<D:getlastmodified/>'),
    });
    expect(mtime.body).toContain('Wed, 01 Jan 2020 00:00:00 GMT');
    const refused = await dav('PROPPATCH', '/dav/props.txt', {
      body:
        '<D:propertyupdate xmlns:D="DAV:" xmlns:e="http://example.com/ns"><D:set><D:prop>' +
        '<D:getetag>x</D:getetag><e:other>v</e:other></D:prop></D:set></D:propertyupdate>',
    });
    expect(refused.statusCode).toBe(207);
    expect(refused.body).toContain('HTTP/1.1 403 Forbidden');
    expect(refused.body).toContain('HTTP/1.1 424 Failed Dependency');
    const other = await dav('PROPFIND', '/dav/props.txt', {
      headers: { depth: '0' },
      body: '<D:propfind xmlns:D="DAV:" xmlns:e="http://example.com/ns"><D:prop><e:other/></D:prop></D:propfind>',
    });
    expect(other.body).toContain('404 Not Found');
  });

  it('LOCK: writes without the token are 423, with it they pass; reads are never blocked; UNLOCK frees it', async () => {
    await dav('PUT', '/dav/locked.txt', { body: 'v1' });
    const lock = await dav('LOCK', '/dav/locked.txt', {
      headers: { timeout: 'Second-600' },
      body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>me</D:owner></D:lockinfo>',
    });
    expect(lock.statusCode).toBe(200);
    const token = /<([^>]+)>/.exec(String(lock.headers['lock-token']))![1]!;
    expect(lock.body).toContain('<D:timeout>Second-600</D:timeout>');
    expect((await dav('PUT', '/dav/locked.txt', { body: 'v2' })).statusCode).toBe(423);
    expect((await dav('DELETE', '/dav/locked.txt')).statusCode).toBe(423);
    expect(
      (await dav('MOVE', '/dav/locked.txt', { headers: { destination: '/dav/moved.txt' } })).statusCode,
    ).toBe(423);
    expect((await dav('GET', '/dav/locked.txt')).body).toBe('v1');
    const found = await dav('PROPFIND', '/dav/locked.txt', {
      headers: { depth: '0' },
      body: propfindOf('<D:lockdiscovery/>'),
    });
    expect(found.body).toContain(token);
    const again = await dav('LOCK', '/dav/locked.txt', {
      body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
    });
    expect(again.statusCode).toBe(423);
    expect(
      (await dav('PUT', '/dav/locked.txt', { headers: { if: `(<${token}>)` }, body: 'v2' })).statusCode,
    ).toBe(204);
    expect(
      (await dav('PUT', '/dav/locked.txt', { headers: { if: '(<opaquelocktoken:nope>)' }, body: 'v3' }))
        .statusCode,
    ).toBe(412);
    expect(
      (await dav('UNLOCK', '/dav/locked.txt', { headers: { 'lock-token': '<opaquelocktoken:nope>' } }))
        .statusCode,
    ).toBe(409);
    expect(
      (await dav('UNLOCK', '/dav/locked.txt', { headers: { 'lock-token': `<${token}>` } })).statusCode,
    ).toBe(204);
    expect((await dav('PUT', '/dav/locked.txt', { body: 'v4' })).statusCode).toBe(204);
    expect((await dav('PUT', '/dav/x.txt', { headers: { if: '(<broken' }, body: 'x' })).statusCode).toBe(400);
  });

  it('LOCK on an unmapped URL makes an empty file (201); a depth-infinity lock on a folder covers what is inside', async () => {
    const lock = await dav('LOCK', '/dav/made/new.txt', {
      body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
    });
    expect(lock.statusCode).toBe(201);
    expect((await dav('GET', '/dav/made/new.txt')).body).toBe('');
    const folder = await dav('LOCK', '/dav/tree/', {
      body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
    });
    const token = /<([^>]+)>/.exec(String(folder.headers['lock-token']))![1]!;
    expect((await dav('PUT', '/dav/tree/more.txt', { body: 'x' })).statusCode).toBe(423);
    const tagged = { if: `<http://localhost:80/dav/tree/> (<${token}>)` };
    expect((await dav('PUT', '/dav/tree/more.txt', { headers: tagged, body: 'x' })).statusCode).toBe(201);
    const refreshed = await dav('LOCK', '/dav/tree/', {
      headers: { if: `(<${token}>)`, timeout: 'Second-100' },
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.body).toContain('Second-100');
  });

  it('needs the upload permission to write and delete to remove or replace', async () => {
    const reader = await t.createUser([]);
    const r = davClient(t, reader.user.username);
    expect((await r('PROPFIND', '/dav/', { headers: { depth: '1' } })).statusCode).toBe(207);
    for (const [method, url] of [
      ['PUT', '/dav/x.txt'],
      ['MKCOL', '/dav/x'],
      ['LOCK', '/dav/x'],
      ['PROPPATCH', '/dav/'],
    ]) {
      expect((await r(method!, url!, { body: '' })).statusCode, method).toBe(403);
    }
    const uploader = await t.createUser(['upload']);
    const u = davClient(t, uploader.user.username);
    expect((await u('PUT', '/dav/mine.txt', { body: '1' })).statusCode).toBe(201);
    expect((await u('PUT', '/dav/mine.txt', { body: '2' })).statusCode).toBe(403);
    expect((await u('DELETE', '/dav/mine.txt')).statusCode).toBe(403);
    // Each user sees their own drive only.
    expect(hrefs((await u('PROPFIND', '/dav/', { headers: { depth: '1' } })).body)).toEqual([
      '/dav/',
      '/dav/mine.txt',
    ]);
  });
});
