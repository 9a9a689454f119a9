import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Share } from '@idrive/shared';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { openEventSocket, RefusedUpgrade, type EventSocket } from '../../test/helpers/event-socket.js';
import { bearer, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const PER_USER = 2;
const PER_IP = 3;

describeEachDb('caps on open websockets', (dialect) => {
  let t: TestApp;
  let base: string;
  const open: EventSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      dialect,
      env: { IDRIVE_MAX_SOCKETS_PER_USER: String(PER_USER), IDRIVE_MAX_SOCKETS_PER_IP: String(PER_IP) },
    });
    await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    base = `ws://127.0.0.1:${(t.drive.app.server.address() as AddressInfo).port}/api/v1`;
  });
  afterEach(async () => {
    for (const socket of open.splice(0)) await socket.close();
  });
  afterAll(() => t.close());

  async function connect(path: string, headers: Record<string, string> = {}): Promise<EventSocket> {
    const socket = await openEventSocket(`${base}${path}`, headers);
    open.push(socket);
    await socket.waitFor((e) => e.type === 'ready');
    return socket;
  }

  async function refusal(path: string, headers: Record<string, string> = {}): Promise<RefusedUpgrade> {
    const err = await connect(path, headers).then(
      () => new Error('the upgrade was accepted'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RefusedUpgrade);
    return err as RefusedUpgrade;
  }

  /** The server sees a close a moment after the client does; a new socket may need a few tries. */
  async function connectSoon(path: string, headers: Record<string, string> = {}): Promise<EventSocket> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connect(path, headers);
      } catch (err) {
        if (!(err instanceof RefusedUpgrade) || attempt === 40) throw err;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }

  async function closeOne(socket: EventSocket): Promise<void> {
    await socket.close();
    open.splice(open.indexOf(socket), 1);
  }

  /** A shared folder's events path, and a way to revoke its link. */
  async function sharedFolder() {
    const owner = await newDriveUser(t);
    const folder = await owner.mkdir(owner.root, 'Shared');
    const res = await owner.request('POST', '/shares', { itemId: folder.id });
    expect(res.statusCode, res.body).toBe(201);
    const link = res.json<Share>();
    return {
      events: `/s/${link.token}/events`,
      revoke: async () => expect((await owner.request('DELETE', `/shares/${link.id}`)).statusCode).toBe(200),
    };
  }

  it('finding 17: a user opens sockets up to the cap, over all sessions; one more gets 429; closing one lets a new one in', async () => {
    const user = await newDriveUser(t);
    const otherDevice = await t.login(
      (await t.drive.repos.users.findById(user.userId))!.username,
      'user-password-1',
    );
    const first = await connect('/events', bearer(user.token));
    await connect('/events', bearer(otherDevice));

    const refused = await refusal('/events', bearer(user.token));
    expect(refused.status).toBe(429);
    expect(refused.code).toBe('too_many_requests');
    expect(refused.body).toContain('for this account');
    // Another user from the same address is not held back by this one's cap.
    await connect('/events', bearer((await newDriveUser(t)).token));

    await closeOne(first);
    await connectSoon('/events', bearer(user.token));
  });

  it('finding 17: anonymous share visitors open sockets up to the per-address cap; one more gets 429; closing one lets a new one in', async () => {
    const { events } = await sharedFolder();
    const first = await connect(events);
    for (let i = 1; i < PER_IP; i++) await connect(events);

    const refused = await refusal(events);
    expect(refused.status).toBe(429);
    expect(refused.code).toBe('too_many_requests');
    expect(refused.body).toContain('from this address');
    // The address cap counts every socket: a signed-in user there is refused too.
    expect((await refusal('/events', bearer((await newDriveUser(t)).token))).status).toBe(429);

    await closeOne(first);
    await connectSoon(events);
  });

  it('finding 17: a socket closed by the server right after its upgrade, or cut by the client, frees its slot', async () => {
    const revoked = await sharedFolder();
    await revoked.revoke();
    for (let i = 0; i < PER_IP + 1; i++) {
      const socket = await openEventSocket(`${base}${revoked.events}`);
      expect((await socket.closed).code).toBe(4401);
    }
    const { events } = await sharedFolder();
    const cut = [await connectSoon(events), await connect(events), await connect(events)];
    for (const socket of cut) socket.ws.terminate();
    open.splice(0);
    for (let i = 0; i < PER_IP; i++) await connectSoon(events);
  });
});

describeEachDb('caps on open websockets behind a trusted proxy', (dialect) => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({
      dialect,
      env: { IDRIVE_TRUST_PROXY: 'true', IDRIVE_MAX_SOCKETS_PER_IP: '1' },
    });
    await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    base = `ws://127.0.0.1:${(t.drive.app.server.address() as AddressInfo).port}/api/v1`;
  });
  afterAll(() => t.close());

  it('finding 17: counts sockets by the client address the proxy forwards, not by the proxy', async () => {
    const user = await newDriveUser(t);
    const from = (address: string) => ({ ...bearer(user.token), 'x-forwarded-for': address });
    const first = await openEventSocket(`${base}/events`, from('203.0.113.1'));
    const second = await openEventSocket(`${base}/events`, from('203.0.113.2'));
    try {
      const refused = await openEventSocket(`${base}/events`, from('203.0.113.1')).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(RefusedUpgrade);
      expect((refused as RefusedUpgrade).status).toBe(429);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
