import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Share } from '@idrive/shared';
import { driveClient, newDriveUser } from '../../test/helpers/drive-client.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { clusterTestsEnabled, startTestCluster, type TestCluster } from '../../test/helpers/test-cluster.js';

const GUESSES = 20;

/** Tries to send `GUESSES` wrong secrets, one after another, each through `appFor(i)`; the statuses. */
async function guesses(appFor: (i: number) => TestApp, send: (t: TestApp, i: number) => Promise<number>) {
  const codes: number[] = [];
  for (let i = 0; i < GUESSES; i++) codes.push(await send(appFor(i), i));
  return codes;
}

const statusOf = (res: { statusCode: number }) => res.statusCode;

describe.runIf(clusterTestsEnabled)('attempt throttles across instances', () => {
  let cluster: TestCluster;
  /** One app on its own, with the in-process throttle: what the cluster must match. */
  let single: TestApp;
  const spread = (i: number) => cluster.apps[i % cluster.apps.length]!;

  beforeAll(async () => {
    [cluster, single] = await Promise.all([startTestCluster(3), startTestApp()]);
  });
  afterAll(async () => {
    await cluster?.close();
    await single?.close();
  });

  /** A locked folder of a new user; wrong unlock passwords for it through any instance. */
  async function lockedFolder(on: TestApp) {
    const owner = await newDriveUser(on);
    const folder = await owner.mkdir(owner.root, 'Private');
    await owner.request('POST', `/folders/${folder.id}/lock`, { password: 'folder-secret-1' });
    return (t: TestApp, i: number) =>
      driveClient(t, owner.token)
        .request('POST', `/folders/${folder.id}/unlock`, { password: `guess-${i}` })
        .then(statusOf);
  }

  it('counts wrong folder passwords spread over instances as if they had reached one', async () => {
    const expected = await guesses(() => single, await lockedFolder(single));
    expect(expected).toEqual([...Array<number>(5).fill(403), ...Array<number>(15).fill(429)]);
    expect(await guesses(spread, await lockedFolder(cluster.apps[0]!))).toEqual(expected);
    expect(await guesses(() => cluster.apps[1]!, await lockedFolder(cluster.apps[0]!))).toEqual(expected);
  });

  it('lets through only the limit of wrong folder passwords sent to all instances at once', async () => {
    const unlock = await lockedFolder(cluster.apps[0]!);
    const codes = await Promise.all(Array.from({ length: GUESSES }, (_, i) => unlock(spread(i), i)));
    expect(codes.filter((c) => c === 403)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(15);
  });

  it('counts wrong sign-ins spread over instances as if they had reached one', async () => {
    const login = (t: TestApp, username: string, remoteAddress: string, password: string) =>
      t.drive.app
        .inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { username, password } })
        .then(statusOf);
    const wrong = (username: string, address: string) => (t: TestApp, i: number) =>
      login(t, username, address, `wrong-${i}`);
    const expected = await guesses(
      () => single,
      wrong((await single.createUser()).user.username, '203.0.113.60'),
    );
    expect(expected).toEqual([...Array<number>(5).fill(401), ...Array<number>(15).fill(429)]);
    const { username } = (await cluster.apps[0]!.createUser()).user;
    expect(await guesses(spread, wrong(username, '203.0.113.61'))).toEqual(expected);
    // The right password from that address waits like the wrong ones; from another it gets in.
    expect(await login(cluster.apps[2]!, username, '203.0.113.61', 'user-password-1')).toBe(429);
    expect(await login(cluster.apps[2]!, username, '203.0.113.62', 'user-password-1')).toBe(200);
  });

  it('counts wrong share-link passwords spread over instances as if they had reached one', async () => {
    const visit = async (on: TestApp) => {
      const owner = await newDriveUser(on);
      const folder = await owner.mkdir(owner.root, 'Shared');
      const link = (
        await owner.request('POST', '/shares', { itemId: folder.id, password: 'open sesame' })
      ).json<Share>();
      return (t: TestApp, i: number) =>
        t.drive.app
          .inject({
            method: 'POST',
            url: `/api/v1/s/${link.token}/access`,
            remoteAddress: '203.0.113.63',
            payload: { password: `guess-${i}` },
          })
          .then(statusOf);
    };
    const expected = await guesses(() => single, await visit(single));
    expect(expected).toEqual([...Array<number>(10).fill(403), ...Array<number>(10).fill(429)]);
    expect(await guesses(spread, await visit(cluster.apps[0]!))).toEqual(expected);
  });
});
