import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadProgressEvent, DriveEvent } from '@idrive/shared';
import { download } from '../../test/helpers/download.js';
import { driveClient, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import { bearer } from '../../test/helpers/test-app.js';
import { clusterTestsEnabled, startTestCluster, type TestCluster } from '../../test/helpers/test-cluster.js';

const MiB = 1024 * 1024;
const ID = 'cluster-download-000001';

const progress =
  (match: (e: DownloadProgressEvent) => boolean) =>
  (event: DriveEvent): event is DownloadProgressEvent =>
    event.type === 'download.progress' && event.downloadId === ID && match(event);

describe.runIf(clusterTestsEnabled)('downloads followed across instances', () => {
  let cluster: TestCluster;
  let bases: string[];
  /** One user's session, through instance A and through instance B. */
  let onA: DriveClient & { root: string };
  let onB: DriveClient;
  let strangerOnB: DriveClient;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    bases = await cluster.listen();
    onA = await newDriveUser(cluster.apps[0]!);
    onB = driveClient(cluster.apps[1]!, onA.token);
    strangerOnB = driveClient(cluster.apps[1]!, (await newDriveUser(cluster.apps[1]!)).token);
  });
  afterAll(() => cluster?.close());

  it('shows a socket on B the progress of a zip sent by A, and a cancel on B ends it on A', async () => {
    const folder = await onA.mkdir(onA.root, 'big');
    for (const name of ['a.bin', 'b.bin', 'c.bin']) await onA.upload(folder.id, name, randomBytes(8 * MiB));
    const socket = await openEventSocket(
      `${bases[1]!.replace('http', 'ws')}/api/v1/events`,
      bearer(onA.token),
    );
    try {
      await socket.waitFor((e) => e.type === 'ready');
      let resume!: () => void;
      const reading = download(
        `${bases[0]}/api/v1/folders/${folder.id}/zip?download=${ID}`,
        bearer(onA.token),
        {
          pauseUntil: new Promise<void>((resolve) => (resume = resolve)),
        },
      );
      const sending = await socket.waitFor(
        progress((e) => e.sentBytes > 0),
        5000,
      );
      expect(sending).toMatchObject({ name: 'big.zip', state: 'sending', entriesTotal: 3 });

      expect((await strangerOnB.request('POST', `/downloads/${ID}/cancel`)).statusCode).toBe(404);
      expect((await onB.request('POST', `/downloads/${ID}/cancel`)).statusCode).toBe(202);
      const cancelled = await socket.waitFor(
        progress((e) => e.state === 'cancelled'),
        5000,
      );
      resume();
      const got = await reading;
      expect(got.complete).toBe(false);
      expect(got.bytes).toBeLessThan(cancelled.totalBytes!);
      expect(socket.received.filter(progress((e) => e.state === 'done' || e.state === 'failed'))).toEqual([]);

      // The browser's retry of the same address is refused on any instance.
      const retry = await onB.request('GET', `/folders/${folder.id}/zip?download=${ID}`, undefined, {
        range: `bytes=${got.bytes}-`,
      });
      expect(retry.statusCode).toBe(410);
    } finally {
      await socket.close();
    }
  });
});
