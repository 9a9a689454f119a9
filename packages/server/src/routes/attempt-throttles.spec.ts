import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Share } from '@idrive/shared';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { ADMIN, cheapHasher, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import type { PasswordHasher } from '../lib/password-hasher.js';

/** The real hasher, counting how many passwords it was actually asked to check. */
class CountingHasher implements PasswordHasher {
  verified = 0;
  hash(password: string): Promise<string> {
    return cheapHasher.hash(password);
  }
  verify(hashed: string, password: string): Promise<boolean> {
    this.verified++;
    return cheapHasher.verify(hashed, password);
  }
}

const PARALLEL = 60;

describeEachDb('throttles under parallel guessing', (dialect) => {
  let t: TestApp;
  const hasher = new CountingHasher();

  beforeAll(async () => {
    t = await startTestApp({ dialect, overrides: { hasher } });
  });
  afterAll(() => t.close());

  /** Fires the same guess PARALLEL times at once; returns the status codes and the hash checks made. */
  async function burst(send: (i: number) => Promise<{ statusCode: number }>) {
    hasher.verified = 0;
    const codes = (await Promise.all(Array.from({ length: PARALLEL }, (_, i) => send(i)))).map(
      (r) => r.statusCode,
    );
    return { codes, verified: hasher.verified };
  }

  const count = (codes: number[], code: number) => codes.filter((c) => c === code).length;

  it('finding 5: parallel wrong sign-ins are checked at most the limit times, the rest get 429', async () => {
    const { codes, verified } = await burst((i) =>
      t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '203.0.113.50',
        payload: { username: ADMIN.username, password: `wrong-${i}` },
      }),
    );
    expect(verified).toBe(t.config.loginAttemptsPerAccount);
    expect(count(codes, 401)).toBe(t.config.loginAttemptsPerAccount);
    expect(count(codes, 429)).toBe(PARALLEL - t.config.loginAttemptsPerAccount);
  });

  it('finding 5: parallel wrong share-link passwords are checked at most the limit times', async () => {
    const owner = await newDriveUser(t);
    const folder = await owner.mkdir(owner.root, 'Shared');
    const link = (
      await owner.request('POST', '/shares', { itemId: folder.id, password: 'open sesame' })
    ).json<Share>();
    const { codes, verified } = await burst((i) =>
      t.drive.app.inject({
        method: 'POST',
        url: `/api/v1/s/${link.token}/access`,
        remoteAddress: '203.0.113.51',
        payload: { password: `guess-${i}` },
      }),
    );
    expect(verified).toBe(10);
    expect(count(codes, 403)).toBe(10);
    expect(count(codes, 429)).toBe(PARALLEL - 10);
  });

  it('finding 5: parallel wrong folder-lock passwords are checked at most the limit times', async () => {
    const owner = await newDriveUser(t);
    const folder = await owner.mkdir(owner.root, 'Private');
    expect(
      (await owner.request('POST', `/folders/${folder.id}/lock`, { password: 'folder-secret-1' })).statusCode,
    ).toBe(201);
    const { codes, verified } = await burst((i) =>
      owner.request('POST', `/folders/${folder.id}/unlock`, { password: `guess-${i}` }),
    );
    expect(verified).toBe(5);
    expect(count(codes, 403)).toBe(5);
    expect(count(codes, 429)).toBe(PARALLEL - 5);
  });

  it('finding 5: a right password does not use up the budget', async () => {
    const user = await t.createUser([], 'budget-keeper');
    for (let i = 0; i < 20; i++) {
      const res = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '203.0.113.52',
        payload: { username: user.user.username, password: 'user-password-1' },
      });
      expect(res.statusCode).toBe(200);
    }
  });
});
