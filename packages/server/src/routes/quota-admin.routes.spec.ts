import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { usageOf, userWithQuota } from '../../test/helpers/quota-fixtures.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

/** The admin's side: quotas on accounts and the default for new ones. */
describeEachDb('quotas: admin', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  const admin = (method: 'GET' | 'PATCH' | 'POST', url: string, payload?: object) =>
    t.drive.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${t.adminToken}` },
      ...(payload ? { payload } : {}),
    });

  it('sets the default quota for new accounts; accounts made before keep theirs, and one may be given at creation', async () => {
    const before = await t.createUser();
    expect((await admin('GET', '/admin/settings')).json()).toEqual({ defaultQuotaBytes: null });
    const set = await admin('PATCH', '/admin/settings', { defaultQuotaBytes: 5 * 1024 ** 3 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ defaultQuotaBytes: 5 * 1024 ** 3 });
    try {
      const after = await t.createUser();
      expect(after.user.quotaBytes).toBe(5 * 1024 ** 3);
      expect(
        (await admin('GET', `/users/${before.user.id}`)).json<{ quotaBytes: unknown }>().quotaBytes,
      ).toBeNull();
      const unlimited = await admin('POST', '/users', {
        username: `free-${Date.now()}`,
        password: 'user-password-1',
        quotaBytes: null,
      });
      expect(unlimited.json<{ quotaBytes: unknown }>().quotaBytes).toBeNull();
      const given = await admin('POST', '/users', {
        username: `given-${Date.now()}`,
        password: 'user-password-1',
        quotaBytes: 1234,
      });
      expect(given.json<{ quotaBytes: unknown }>().quotaBytes).toBe(1234);
    } finally {
      await admin('PATCH', '/admin/settings', { defaultQuotaBytes: null });
    }
  });

  it('refuses quotas that are not whole non-negative byte counts, changing nothing', async () => {
    const { user } = await t.createUser();
    for (const quotaBytes of [-1, 1.5, '100', Number.MAX_SAFE_INTEGER + 2]) {
      const res = await admin('PATCH', `/users/${user.id}`, { quotaBytes });
      expect(res.statusCode, JSON.stringify(quotaBytes)).toBe(400);
      const settings = await admin('PATCH', '/admin/settings', { defaultQuotaBytes: quotaBytes });
      expect(settings.statusCode).toBe(400);
    }
    expect((await admin('PATCH', '/admin/settings', {})).statusCode).toBe(400);
    expect((await admin('GET', `/users/${user.id}`)).json<{ quotaBytes: unknown }>().quotaBytes).toBeNull();
    expect((await admin('GET', '/admin/settings')).json()).toEqual({ defaultQuotaBytes: null });
  });

  it('lists every account with its usage and quota for the users page; a user cannot set their own', async () => {
    const u = await userWithQuota(t, 2_000);
    await u.upload(u.root, 'x.bin', randomBytes(700));
    const listed = (await admin('GET', '/users')).json<{
      users: { id: string; usedBytes: number; quotaBytes: number }[];
    }>();
    expect(listed.users.find((x) => x.id === u.userId)).toMatchObject({ usedBytes: 700, quotaBytes: 2_000 });
    expect((await u.request('PATCH', `/users/${u.userId}`, { quotaBytes: null })).statusCode).toBe(403);
    expect((await u.request('PATCH', '/admin/settings', { defaultQuotaBytes: 1 })).statusCode).toBe(403);
    expect((await usageOf(u)).quotaBytes).toBe(2_000);
    const listing = (await u.request('GET', '/folders/root')).json<Listing>();
    expect(listing.folder.size).toBe(700);
  });
});
