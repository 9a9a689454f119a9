import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkMissingError } from '../../src/storage/errors.js';
import { emulatedDiscord, type EmulatedDiscord } from '../helpers/discord.js';
import { driveClient } from '../helpers/drive-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;

/** Messages a crash left behind are found by their chunk names and deleted; nothing else is. */
describe('the orphan sweep on Discord', { timeout: 120_000 }, () => {
  let discord: EmulatedDiscord;
  let t: TestApp;

  beforeAll(async () => {
    discord = await emulatedDiscord();
    t = await startTestApp({ overrides: { stores: [discord.store], writeTo: 'discord' } });
  });
  afterAll(async () => {
    await t.close();
    await discord.close();
  });

  it('deletes unrecorded and unacknowledged chunks once old enough, and keeps committed files', async () => {
    const admin = driveClient(t, t.adminToken);
    const body = randomBytes(100_000);
    const kept = (await admin.upload(await admin.rootId(), 'kept.bin', body)).id;

    // A chunk sent just before a crash kept its record from being written.
    const unrecorded = await discord.store.put(randomUUID(), randomBytes(1000));
    // A chunk Discord took, whose answer never got recorded: queued for deletion under its bare key.
    const { versionId } = await t.drive.context.files.startVersion(
      (await t.drive.repos.users.findByUsername('admin'))!.id,
    );
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
    const recent = await discord.store.put(randomUUID(), randomBytes(1000));

    // Three days later (past the upload expiry) the sweep runs again.
    discord.emulator.control.advance(73 * HOUR);
    await discord.store.put(randomUUID(), randomBytes(1000)); // a new orphan, too young to go
    const report = await t.drive.maintenance.sweep(discord.emulator.control.now());
    expect(report).toBe(3);
    for (const locator of [unrecorded, unacknowledged, recent]) {
      await expect(discord.store.get(locator)).rejects.toBeInstanceOf(ChunkMissingError);
    }
    expect((await admin.content(kept)).equals(body)).toBe(true);
  });
});
