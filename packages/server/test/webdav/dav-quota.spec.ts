import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { davClient, PROPFIND_ALL, propfindOf, type DavRequest } from '../helpers/dav-client.js';
import { expectQuotaExceeded, footprint, setQuota, type QuotaClient } from '../helpers/quota-fixtures.js';
import { driveClient } from '../helpers/drive-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

const QUOTA_PROPS = propfindOf('<D:quota-available-bytes/>', '<D:quota-used-bytes/>');

/** The value of a property in the first response of a multistatus, or null when it was not found. */
function prop(body: string, name: string): string | null {
  const found = body.split('<D:response>')[1]!.split('<D:status>HTTP/1.1 404')[0]!;
  return new RegExp(`<D:${name}>([^<]*)</D:${name}>`).exec(found)?.[1] ?? null;
}

/** WebDAV writes count against the quota as REST ones do, and PROPFIND tells a client how much is left. */
describeEachDb('WebDAV quotas', (dialect) => {
  let t: TestApp;
  let dav: DavRequest;
  let u: QuotaClient;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    const { user, token } = await t.createUser(['upload', 'delete', 'share']);
    u = Object.assign(driveClient(t, token), { userId: user.id, root: user.rootFolderId });
    dav = davClient(t, user.username);
  });
  afterAll(() => t.close());

  it('reports quota-used-bytes and, with a quota, quota-available-bytes on collections, only when named', async () => {
    expect((await dav('PUT', '/dav/a.bin', { body: randomBytes(3_000) })).statusCode).toBe(201);
    await dav('MKCOL', '/dav/docs/');
    const unlimited = await dav('PROPFIND', '/dav/', { headers: { depth: '0' }, body: QUOTA_PROPS });
    expect(unlimited.statusCode).toBe(207);
    expect(prop(unlimited.body, 'quota-used-bytes')).toBe('3000');
    expect(prop(unlimited.body, 'quota-available-bytes')).toBeNull();
    expect(unlimited.body).toContain('<D:quota-available-bytes/>');

    await setQuota(t, u.userId, 10_000);
    for (const url of ['/dav/', '/dav/docs/']) {
      const res = await dav('PROPFIND', url, { headers: { depth: '0' }, body: QUOTA_PROPS });
      expect(prop(res.body, 'quota-available-bytes'), url).toBe('7000');
    }
    const all = await dav('PROPFIND', '/dav/', { headers: { depth: '0' }, body: PROPFIND_ALL });
    expect(all.body).not.toContain('quota-available-bytes');
  });

  it('refuses a PUT and a COPY that do not fit with 507, leaving nothing behind', async () => {
    await setQuota(t, u.userId, 10_000);
    const before = await footprint(t, u);
    expectQuotaExceeded(await dav('PUT', '/dav/big.bin', { body: randomBytes(7_001) }));
    // A copy counts its bytes again (copies share stored chunks, but each counts, as users expect).
    await setQuota(t, u.userId, 5_999);
    expectQuotaExceeded(await dav('COPY', '/dav/a.bin', { headers: { destination: '/dav/docs/a.bin' } }));
    expect(await footprint(t, u)).toEqual(before);
    expect((await dav('PROPFIND', '/dav/docs/', { headers: { depth: '1' } })).body).not.toContain('a.bin');
    await setQuota(t, u.userId, 10_000);

    // A PUT over a file keeps the version it replaces, so the new bytes must fit beside it.
    expectQuotaExceeded(await dav('PUT', '/dav/a.bin', { body: randomBytes(7_001) }));
    expect((await dav('PUT', '/dav/a.bin', { body: randomBytes(7_000) })).statusCode).toBe(204);
    const full = await dav('PROPFIND', '/dav/', { headers: { depth: '0' }, body: QUOTA_PROPS });
    expect(prop(full.body, 'quota-used-bytes')).toBe('10000');
    expect(prop(full.body, 'quota-available-bytes')).toBe('0');
  });
});
