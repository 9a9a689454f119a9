import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeResponse } from '@idrive/shared';
import { decide, pollBody, startPhone } from '../../test/helpers/device-sign-in.js';
import { clusterTestsEnabled, startTestCluster, type TestCluster } from '../../test/helpers/test-cluster.js';

describe.runIf(clusterTestsEnabled)('device sign-in across instances', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(3, { IDRIVE_DEVICE_SIGN_INS_PER_IP: '4' });
  });
  afterAll(() => cluster?.close());

  it('starts on one instance, is approved on another and collected on a third', async () => {
    const [a, b, c] = [cluster.apps[0]!, cluster.apps[1]!, cluster.apps[2]!];
    const laptop = await b.createUser();
    const phone = await startPhone(a, '203.0.113.90');
    expect((await decide(b, laptop.token, 'lookup', phone.shortCode)).statusCode).toBe(200);
    expect(pollBody(await phone.poll(c)).status).toBe('pending');
    expect((await decide(b, laptop.token, 'approve', phone.code)).statusCode).toBe(200);
    const signedIn = await phone.poll(c);
    expect(pollBody(signedIn).status).toBe('approved');
    const cookie = signedIn.cookies.find((k) => k.name === 'idrive_session')!.value;
    const who = await a.drive.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      cookies: { idrive_session: cookie },
    });
    expect(who.json<MeResponse>().user.id).toBe(laptop.user.id);
    // Used up on every instance.
    expect((await phone.poll(a)).statusCode).toBe(404);
    expect((await phone.poll(b)).statusCode).toBe(404);
  });

  it('counts the sign-ins one address starts over every instance', async () => {
    const address = '203.0.113.91';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await cluster.apps[i % 3]!.drive.app.inject({
        method: 'POST',
        url: '/api/v1/auth/device-sign-in',
        remoteAddress: address,
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
  });
});
