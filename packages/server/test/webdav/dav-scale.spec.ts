import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newItemRow } from '../../src/services/item.service.js';
import { basic, davClient, hrefs } from '../helpers/dav-client.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';
import { clusterTestsEnabled, startTestCluster, type TestCluster } from '../helpers/test-cluster.js';

const LOCK_BODY =
  '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

describe('WebDAV at scale and over time', { timeout: 120_000 }, () => {
  let t: TestApp;
  let username: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    const user = await t.createUser(['upload', 'delete']);
    username = user.user.username;
    token = user.token;
  });
  afterAll(() => t.close());

  it('lists a folder of 50,000 entries at Depth 1, streamed, in seconds', async () => {
    const dav = davClient(t, username);
    await dav('MKCOL', '/dav/many');
    const me = (await t.drive.repos.users.findByUsername(username))!;
    const folder = (await t.drive.repos.items.findLiveChild(me.root_folder_id, 'many'))!;
    const now = Date.now();
    const rows = Array.from({ length: 50_000 }, (_, i) =>
      newItemRow({ owner_id: me.id, parent_id: folder.id, type: 'folder', name: `entry ${i}`, now }),
    );
    await t.drive.repos.items.insertMany(rows);
    const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const started = performance.now();
    const res = await fetch(`${base}/dav/many/`, {
      method: 'PROPFIND',
      headers: { ...basic(username, 'user-password-1'), depth: '1' },
    });
    expect(res.status).toBe(207);
    // Streamed a page at a time, never built whole: no length is known in advance.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const body = await res.text();
    const elapsed = performance.now() - started;
    const listed = hrefs(body);
    expect(listed).toHaveLength(50_001);
    expect(new Set(listed).size).toBe(50_001);
    expect(listed).toContain('/dav/many/entry%2049999/');
    expect(body.trimEnd().endsWith('</D:multistatus>')).toBe(true);
    expect(elapsed).toBeLessThan(20_000);
  });

  it('stops taking a remembered password once the account password changes', async () => {
    const dav = davClient(t, username);
    expect((await dav('PROPFIND', '/dav/', { headers: { depth: '0' } })).statusCode).toBe(207);
    const change = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: bearer(token),
      payload: { currentPassword: 'user-password-1', newPassword: 'another-password-2' },
    });
    expect(change.statusCode).toBeLessThan(300);
    expect((await dav('PROPFIND', '/dav/', { headers: { depth: '0' } })).statusCode).toBe(401);
    const renewed = davClient(t, username, 'another-password-2');
    expect((await renewed('PROPFIND', '/dav/', { headers: { depth: '0' } })).statusCode).toBe(207);
  });
});

/** Locks live in the database: every instance sees them, and two cannot both take one. */
describe.runIf(clusterTestsEnabled)('WebDAV locks across instances', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let username: string;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    username = (await cluster.apps[0]!.createUser(['upload', 'delete'])).user.username;
  });
  afterAll(() => cluster.close());

  it('a lock taken on one instance is enforced on the other, and only one of two racing LOCKs wins', async () => {
    const [a, b] = cluster.apps.map((t) => davClient(t, username));
    expect((await a!('PUT', '/dav/shared.txt', { body: 'v1' })).statusCode).toBe(201);
    const lock = await a!('LOCK', '/dav/shared.txt', { body: LOCK_BODY });
    const lockToken = /<([^>]+)>/.exec(String(lock.headers['lock-token']))![1]!;
    expect((await b!('PUT', '/dav/shared.txt', { body: 'v2' })).statusCode).toBe(423);
    expect(
      (await b!('PUT', '/dav/shared.txt', { headers: { if: `(<${lockToken}>)` }, body: 'v2' })).statusCode,
    ).toBe(204);
    // Each test instance keeps chunks in a data directory of its own, so the bytes are read where written.
    expect((await b!('GET', '/dav/shared.txt')).body).toBe('v2');
    expect((await a!('PROPFIND', '/dav/shared.txt', { headers: { depth: '0' } })).body).toContain(
      '<D:getcontentlength>2<',
    );
    expect(
      (await b!('UNLOCK', '/dav/shared.txt', { headers: { 'lock-token': `<${lockToken}>` } })).statusCode,
    ).toBe(204);

    for (let round = 0; round < 5; round++) {
      const url = `/dav/race-${round}.txt`;
      await a!('PUT', url, { body: 'x' });
      const statuses = (
        await Promise.all([a!('LOCK', url, { body: LOCK_BODY }), b!('LOCK', url, { body: LOCK_BODY })])
      ).map((r) => r.statusCode);
      expect(statuses.sort()).toEqual([200, 423]);
    }
  });
});
