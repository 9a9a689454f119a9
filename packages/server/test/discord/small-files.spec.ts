import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '@idrive/shared';
import { startDiscordApp, type EmulatedDiscord } from '../helpers/discord.js';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import type { TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Small files on Discord: packed into few messages, and deleted without taking a neighbour along. */
describe('small files on Discord', { timeout: 300_000 }, () => {
  let discord: EmulatedDiscord;
  let t: TestApp;
  let rootId: string;
  let close: () => Promise<void>;
  let admin: DriveClient;

  beforeAll(async () => {
    ({ discord, t, rootId, close } = await startDiscordApp());
    admin = driveClient(t, t.adminToken);
  });
  afterAll(() => close());

  const stats = () => discord.emulator.control.stats();
  const purge = async (ids: string[]) => {
    await admin.trash(...ids);
    expect((await admin.request('DELETE', '/trash')).statusCode).toBe(200);
  };

  it('round-trips a folder of 1,000 files of 10 KB in at most 5 messages, also 25 hours later, and compacts', async () => {
    const folder = await admin.mkdir(rootId, 'thousand');
    const files = Array.from({ length: 1000 }, (_, i) => ({
      path: `file-${String(i).padStart(4, '0')}.bin`,
      data: randomBytes(10 * 1000),
    }));
    const messagesBefore = stats().messages;
    const results = await admin.batch(folder.id, files);
    const items = results.map((r) => r.item!);
    expect(items.every(Boolean)).toBe(true);
    const messagesUsed = stats().messages - messagesBefore;
    expect(messagesUsed).toBeGreaterThanOrEqual(1);
    expect(messagesUsed).toBeLessThanOrEqual(5);

    const downloadAll = async (which: number[]) => {
      for (const i of which) expect(sha256(await admin.content(items[i]!.id))).toBe(sha256(files[i]!.data));
    };
    const all = files.map((_, i) => i);
    await downloadAll(all);
    discord.emulator.control.advance(25 * HOUR);
    await downloadAll(all);

    // Nine in ten deleted: both packs are mostly holes, so compaction copies the survivors into
    // one new pack (a new message) and the old message goes.
    const kept = all.filter((i) => i % 10 === 0);
    await purge(items.filter((_, i) => i % 10 !== 0).map((item) => item.id));
    const attachmentsBefore = stats().attachments;
    const report = await t.drive.maintenance.run(Date.now() + 2 * HOUR);
    expect(report.packsCompacted).toBeGreaterThanOrEqual(1);
    expect(report.chunkDeletesFailed).toBe(0);
    expect(stats().attachments).toBeLessThan(attachmentsBefore);
    await downloadAll(kept);
  });

  it('deleting a file keeps the message its chunk shares with another file, until that one goes too', async () => {
    // Two uploads while no channel may post: their chunks wait together and go in one message.
    const now = discord.emulator.control.now();
    for (const channel of discord.seeded.channels)
      await discord.state.block(`channel:${channel.id}`, now + 1_500, now);
    const [a, b] = await Promise.all(
      ['a.bin', 'b.bin'].map((name) => admin.upload(rootId, name, randomBytes(200_000))),
    );
    const containerOf = async (item: Item) => {
      const row = await t.drive.repos.items.findById(item.id);
      return (await t.drive.repos.versions.chunks(row!.version_id!))[0]!.container;
    };
    expect(await containerOf(a!)).toBe(await containerOf(b!));
    const bBytes = await admin.content(b!.id);
    const messages = stats().messages;

    await purge([a!.id]);
    // Past the wait that lets neighbours record where they are.
    await t.drive.maintenance.collectGarbage(Date.now() + 2 * 60_000);
    expect(stats().messages).toBe(messages);
    expect((await admin.content(b!.id)).equals(bBytes)).toBe(true);

    await purge([b!.id]);
    await t.drive.maintenance.collectGarbage(Date.now() + 2 * 60_000);
    expect(stats().messages).toBe(messages - 1);
  });

  it('a deletion younger than the grace period waits, then goes', async () => {
    const item = await admin.upload(rootId, 'young.bin', randomBytes(1000));
    const messages = stats().messages;
    await purge([item.id]);
    expect((await t.drive.maintenance.collectGarbage()).deleted).toBe(0);
    expect(stats().messages).toBe(messages);
    expect((await t.drive.maintenance.collectGarbage(Date.now() + 2 * 60_000)).deleted).toBe(1);
    expect(stats().messages).toBe(messages - 1);
  });
});
