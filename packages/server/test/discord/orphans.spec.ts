import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkMissingError } from '../../src/storage/errors.js';
import { emulatedDiscord, type EmulatedDiscord } from '../helpers/discord.js';
import { driveClient } from '../helpers/drive-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

const HOUR = 3_600_000;

/**
 * Messages a crash or a lost answer left behind are found by their ids and deleted; nothing else
 * is. Run for a bot with and without the Message Content intent (without it, the bot sees no
 * attachments in our webhook messages).
 */
describeEachDb('the orphan sweep on Discord', (dialect) =>
  describe.each([false, true])('with the message content intent: %s', (messageContent) => {
    let discord: EmulatedDiscord;
    let t: TestApp;

    beforeAll(async () => {
      discord = await emulatedDiscord({
        channels: ['c1', 'c2'],
        webhooksPerChannel: 2,
        bots: [{ messageContent }],
      });
      t = await startTestApp({ dialect, overrides: { stores: [discord.store], writeTo: 'discord' } });
    });
    afterAll(async () => {
      await t.close();
      await discord.close();
    });

    const adminId = async () => (await t.drive.repos.users.findByUsername('admin'))!.id;

    /** What a lost answer leaves: the same attachment Discord already stored, in a message of its own. */
    async function resend(locator: string): Promise<string> {
      const [channelId, messageId] = locator.split('/') as [string, string];
      const original = discord.emulator.state.messages.get(messageId)!;
      const webhookId = original.author.kind === 'webhook' ? original.author.webhookId : '';
      const webhook = discord.emulator.state.webhooks.get(webhookId)!;
      const form = new FormData();
      const names = original.attachments.map((a) => a.filename);
      form.append(
        'payload_json',
        JSON.stringify({ attachments: names.map((filename, id) => ({ id, filename })) }),
      );
      original.attachments.forEach((a, i) => form.append(`files[${i}]`, new Blob([a.data]), a.filename));
      const res = await fetch(`${discord.base}/api/v10/webhooks/${webhook.id}/${webhook.token}?wait=true`, {
        method: 'POST',
        body: form,
      });
      const copy = (await res.json()) as { id: string; channel_id: string };
      expect(copy.channel_id).toBe(channelId);
      return copy.id;
    }

    it('finding 19: a lost answer’s duplicate message is deleted once old enough, and live files keep every message', async () => {
      const admin = driveClient(t, t.adminToken);
      const body = randomBytes(100_000);
      const kept = (await admin.upload(await admin.rootId(), 'kept.bin', body)).id;
      const keptMessages = [...discord.emulator.state.messages.keys()];
      expect(keptMessages).toHaveLength(1);
      const keptLocator = [...discord.emulator.state.messages.values()].map(
        (m) => `${m.channelId}/${m.id}/${m.attachments[0]!.id}/${m.attachments[0]!.filename}`,
      )[0]!;
      const duplicate = await resend(keptLocator);

      // A chunk sent just before a crash kept its record from being written.
      const unrecorded = await discord.store.put(randomUUID(), randomBytes(1000));
      // A chunk Discord took, whose answer never got recorded: queued for deletion under its bare key.
      const { versionId } = await t.drive.context.files.startVersion(await adminId());
      const key = randomUUID();
      await t.drive.repos.versions.insertPendingChunk({
        version_id: versionId,
        idx: 0,
        store: 'discord',
        chunk_key: key,
        plain_size: 0,
        sealed_size: 0,
      });
      const unacknowledged = await discord.store.put(key, randomBytes(1000));
      await t.drive.context.files.discardVersion(versionId);
      expect((await t.drive.maintenance.collectGarbage()).failed).toBe(0);

      // Too young to judge: an upload may still be running.
      expect((await t.drive.maintenance.run(discord.emulator.control.now())).orphansDeleted).toBe(0);

      // Three days later (past the upload expiry) the sweep runs again.
      discord.emulator.control.advance(73 * HOUR);
      const young = await discord.store.put(randomUUID(), randomBytes(1000)); // too young to go
      expect(await t.drive.maintenance.sweep(discord.emulator.control.now())).toBe(3);
      for (const locator of [unrecorded, unacknowledged]) {
        await expect(discord.store.get(locator)).rejects.toBeInstanceOf(ChunkMissingError);
      }
      expect(discord.emulator.state.messages.has(duplicate)).toBe(false);
      for (const id of keptMessages) expect(discord.emulator.state.messages.has(id)).toBe(true);
      expect((await discord.store.get(young)).length).toBeGreaterThan(0);
      expect((await admin.content(kept)).equals(body)).toBe(true);
    });

    it('finding 19: a chunk whose record is still pending is never deleted, however old its message', async () => {
      const { versionId } = await t.drive.context.files.startVersion(await adminId());
      const key = randomUUID();
      await t.drive.repos.versions.insertPendingChunk({
        version_id: versionId,
        idx: 0,
        store: 'discord',
        chunk_key: key,
        plain_size: 0,
        sealed_size: 0,
      });
      const inFlight = await discord.store.put(key, randomBytes(1000));
      discord.emulator.control.advance(200 * HOUR);
      expect(await t.drive.maintenance.sweep(discord.emulator.control.now())).toBe(0);
      expect((await discord.store.get(inFlight)).length).toBeGreaterThan(0);

      // Once the record is gone, its message is an orphan like any other (as is the young orphan the
      // test above left, now old too).
      await t.drive.repos.versions.discardChunksFrom(versionId, 0, Date.now());
      expect(await t.drive.maintenance.sweep(discord.emulator.control.now())).toBe(2);
      await expect(discord.store.get(inFlight)).rejects.toBeInstanceOf(ChunkMissingError);
    });
  }),
);
