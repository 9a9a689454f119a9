import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE, type Item } from '@idrive/shared';
import { minimalSendMs } from '../../../../scripts/bench/discord-limits.js';
import { startDiscordCluster, rootFolderId, type DiscordCluster } from '../helpers/discord-cluster.js';
import { send } from '../helpers/http-client.js';
import { Pattern } from '../helpers/pattern.js';
import { bearer } from '../helpers/test-app.js';
import { testRedisUrl } from '../helpers/test-redis.js';

const MiB = 1024 * 1024;
const INSTANCES = 3;
const CHANNELS = 4;
/** 344 MiB each, about 1 GiB in all: 43 chunks, at least 15 messages per instance. */
const FILE_SIZE = 43 * DEFAULT_CHUNK_SIZE;
/** Discord seconds per real second: slow enough that Discord's limits, not this machine, set the pace. */
const TIME_SCALE = 0.05;
/** Attachments per message when the drive packs them fully (3 × 8 MiB in 25 MiB). */
const CHUNKS_PER_MESSAGE = 3;

const redisUrl = testRedisUrl();
const databaseUrl = process.env.TEST_DATABASE_URL;

/**
 * Three instances of one drive upload at once to one emulated Discord with its limits on: together
 * they must keep the limits as one instance does, and still use them.
 */
describe.runIf(redisUrl && databaseUrl)(
  'three instances sharing Discord limits',
  { timeout: 300_000 },
  () => {
    let cluster: DiscordCluster;
    beforeAll(async () => {
      cluster = await startDiscordCluster({
        databaseUrl: databaseUrl!,
        redisUrl: redisUrl!,
        instances: INSTANCES,
        channels: CHANNELS,
        timeScale: TIME_SCALE,
      });
    });
    afterAll(() => cluster?.close());

    it('uploads about 1 GiB through three instances at once within the limits, at their pace', async () => {
      const { emulator, apps } = cluster;
      for (const { t } of apps) expect(t.drive.stores.current().name).toBe('discord');
      const startedAt = emulator.control.now();
      const sources = apps.map((_, i) => new Pattern(`cluster ${i}`, FILE_SIZE));
      const uploads = await Promise.all(
        apps.map(async ({ t, base }, i) =>
          send(`${base}/api/v1/folders/${await rootFolderId(t)}/files/part-${i}.bin`, {
            method: 'PUT',
            headers: { ...bearer(t.adminToken), 'content-length': String(FILE_SIZE) },
            body: sources[i]!.pieces(),
          }),
        ),
      );
      for (const up of uploads) expect(up.status, up.body.toString()).toBe(201);

      const stats = emulator.control.stats();
      expect(stats.invalidRequests).toBe(0);
      expect(stats.rateLimited.user + stats.rateLimited.global).toBe(0);
      expect(stats.attachments).toBe((INSTANCES * FILE_SIZE) / DEFAULT_CHUNK_SIZE);

      // The pace as the bench judges it: first message to last (Discord time) against the least time
      // the limits allow for the fewest messages these uploads could have been packed into.
      const { buckets } = emulator.control.limits.rateLimits;
      const limits = { webhook: buckets.webhookExecute, channel: buckets.webhookChannelShared };
      const fewest = INSTANCES * Math.ceil(FILE_SIZE / DEFAULT_CHUNK_SIZE / CHUNKS_PER_MESSAGE);
      const floorMs = minimalSendMs(fewest, CHANNELS, limits);
      const times = [...emulator.state.channels.values()]
        .flatMap((c) => [...c.messages.values()].map((m) => m.timestampMs))
        .filter((t) => t >= startedAt);
      const pacedMs = Math.max(...times) - Math.min(...times);
      expect(floorMs).toBeGreaterThan(0);
      expect(floorMs / pacedMs, `paced ${pacedMs} ms, the limits allow ${floorMs} ms`).toBeGreaterThanOrEqual(
        0.9,
      );

      // Each instance reads back what another wrote: one drive, whichever instance answers.
      const id = (JSON.parse(uploads[0]!.body.toString()) as Item).id;
      const other = apps[1]!;
      const down = await other.t.drive.app.inject({
        method: 'GET',
        url: `/api/v1/files/${id}/content`,
        headers: { ...bearer(other.t.adminToken), range: `bytes=0-${MiB - 1}` },
      });
      expect(down.statusCode).toBe(206);
      expect(down.rawPayload.equals(sources[0]!.at(0, MiB))).toBe(true);
    });
  },
);
