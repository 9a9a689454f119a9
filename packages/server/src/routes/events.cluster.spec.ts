import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriveEvent, Share } from '@idrive/shared';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import { bearer } from '../../test/helpers/test-app.js';
import { clusterTestsEnabled, startTestCluster, type TestCluster } from '../../test/helpers/test-cluster.js';

const createdIn = (folderId: string) => (event: DriveEvent) =>
  event.type === 'item.created' && event.parentId === folderId;

describe.runIf(clusterTestsEnabled)('live events across instances', () => {
  let cluster: TestCluster;
  let urls: string[];
  /** One user, through instance A and through instance B. */
  let onA: DriveClient & { root: string };
  let onB: DriveClient;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    urls = (await cluster.listen()).map((address) => address.replace('http', 'ws'));
    onA = await newDriveUser(cluster.apps[0]!);
    onB = driveClient(cluster.apps[1]!, onA.token);
  });
  afterAll(() => cluster?.close());

  const events = (instance: number, query = '') =>
    openEventSocket(`${urls[instance]}/api/v1/events${query}`, bearer(onA.token));

  it('shows a socket on one instance a folder created through another', async () => {
    const socket = await events(0);
    try {
      await socket.waitFor((e) => e.type === 'ready');
      const folder = await onB.mkdir(onA.root, 'made on B');
      const created = await socket.waitFor((e) => e.type === 'item.created' && e.item.id === folder.id);
      expect(created).toMatchObject({ parentId: onA.root, ancestorIds: [onA.root], item: folder });
    } finally {
      await socket.close();
    }
  });

  it('replays what a socket missed when it comes back on another instance, then carries on live', async () => {
    const parent = await onA.mkdir(onA.root, 'reconnects');
    const first = await events(0);
    const ready = await first.waitFor((e) => e.type === 'ready');
    await first.close();
    const missed = [await onA.mkdir(parent.id, 'one'), await onB.mkdir(parent.id, 'two')];

    const again = await events(1, `?since=${ready.id}`);
    try {
      const resumed = await again.waitFor((e) => e.type === 'ready');
      const live = await onA.mkdir(parent.id, 'three');
      await again.waitFor((e) => e.type === 'item.created' && e.item.id === live.id);
      const created = again.received.filter(createdIn(parent.id));
      expect(created.map((e) => 'item' in e && e.item.id)).toEqual([...missed, live].map((f) => f.id));
      // The missed ones come before the cursor, the live one after it, each once.
      expect(again.received.indexOf(resumed)).toBe(2);
      expect(created[2]!.id).toBeGreaterThan(resumed.id);
      const ids = again.received.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    } finally {
      await again.close();
    }
  });

  it("shows a share link's visitor on one instance the changes made through another", async () => {
    const shared = await onA.mkdir(onA.root, 'shared');
    const link = (await onA.request('POST', '/shares', { itemId: shared.id })).json<Share>();
    const visitor = await openEventSocket(`${urls[1]}/api/v1/s/${link.token}/events`);
    try {
      await visitor.waitFor((e) => e.type === 'ready');
      const inside = await onA.mkdir(shared.id, 'inside');
      await onA.mkdir(onA.root, 'outside');
      const created = await visitor.waitFor((e) => e.type === 'item.created' && e.item.id === inside.id);
      expect(created).toMatchObject({ parentId: shared.id, ancestorIds: [shared.id] });
      const last = await onA.mkdir(shared.id, 'last');
      await visitor.waitFor((e) => e.type === 'item.created' && e.item.id === last.id);
      expect(JSON.stringify(visitor.received)).not.toContain('outside');
      expect(JSON.stringify(visitor.received)).not.toContain(onA.root);
    } finally {
      await visitor.close();
    }
  });
});
