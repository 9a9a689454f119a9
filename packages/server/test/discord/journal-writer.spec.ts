import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { JournalStatus, StorageStatus } from '@idrive/shared';
import type { OutboxRecord } from '../../src/repositories/journal.repository.js';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import {
  emulatedGuild,
  newDriveHome,
  postedSegments,
  startJournaledDrive,
  startRestored,
  type DriveHome,
  type EmulatedGuild,
} from '../helpers/journaled-drive.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb, openTestDb, type TestDb } from '../helpers/test-db.js';

describeEachDb('the metadata journal on Discord', (dialect) => {
  let guild: EmulatedGuild;
  let db: TestDb;
  let t: TestApp;
  let admin: DriveClient;

  beforeEach(async () => {
    guild = await emulatedGuild({ timeScale: 20 });
    db = await openTestDb(dialect);
    t = await startJournaledDrive(guild, { overrides: { db } });
    admin = driveClient(t, t.adminToken);
  });
  afterEach(async () => {
    await t.close();
    // The app closed the connection; what is left is the test schema.
    await db.drop().catch(() => undefined);
    await guild.close();
  });

  const journal = () => t.drive.journal!;
  const status = async () =>
    (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/admin/journal', headers: bearer(t.adminToken) })
    ).json<JournalStatus>();
  const segments = async () => {
    const { state } = await journal().progress();
    return postedSegments(guild, state, await t.drive.repos.drive.id());
  };
  /** Every record posted after the first checkpoint: each sequence number once, in order, none missing. */
  const expectWholeJournal = async () => {
    const { state, head } = await journal().progress();
    const first = (await segments())[0]?.first ?? head + 1;
    const seqs = (await segments()).flatMap((s) => s.records.map((r) => r.seq));
    expect(seqs).toEqual(Array.from({ length: head - first + 1 }, (_, i) => first + i));
    expect(state.written_through).toBe(head);
    expect(await t.drive.repos.journal.outboxAfter(0, 10)).toEqual([]);
  };
  const changes = async (n: number) => {
    const root = await admin.rootId();
    for (let i = 0; i < n; i++) {
      const folder = await admin.mkdir(root, `folder ${randomBytes(4).toString('hex')}`);
      await admin.upload(folder.id, 'file.bin', randomBytes(1000 + i));
    }
  };

  it('posts every committed change once and in order, after a first checkpoint of what came before', async () => {
    await journal().flush();
    const first = await status();
    expect(first).toMatchObject({ enabled: true, lastError: null });
    expect(first.controlChannelId).toMatch(/^\d+$/);
    expect(first.checkpointThrough).toBe(first.committedThrough);
    expect(await segments()).toEqual([]);

    await changes(5);
    await journal().flush();
    const after = await status();
    expect(after.writtenThrough).toBe(after.committedThrough);
    expect(after.committedThrough).toBeGreaterThan(first.committedThrough);
    expect((await segments())[0]!.first).toBe(first.checkpointThrough! + 1);
    await expectWholeJournal();
    const channel = guild.emulator.state.channels.get(after.controlChannelId!)!;
    expect(channel.topic).toContain(`idrive-drive=${await t.drive.repos.drive.id()}`);
  });

  it('catches up once Discord takes its writes again, with nothing skipped and nothing posted twice', async () => {
    await journal().flush();
    const { controlChannelId } = await status();
    const path = `/api/v10/channels/${controlChannelId}/messages`;
    // Discord away: the connection drops, then it answers 502, a few writer attempts in all.
    guild.emulator.control.injectFault({ kind: 'reset', path, method: 'POST', count: 6 });
    guild.emulator.control.injectFault({ kind: 'status502', path, method: 'POST', count: 6 });
    journal().start();
    await changes(3);
    await expect
      .poll(async () => (await status()).lastError, { timeout: 60_000, interval: 200 })
      .not.toBeNull();
    await changes(3);
    await expect
      .poll(
        async () => {
          const s = await status();
          return s.writtenThrough === s.committedThrough && s.lastError === null;
        },
        { timeout: 120_000, interval: 250 },
      )
      .toBe(true);
    expect(guild.emulator.control.stats().faultsInjected).toMatchObject({ reset: 6, status502: 6 });
    await journal().stop();
    await expectWholeJournal();
  }, 180_000);

  it('recognises a segment it posted but never recorded (a crash between the two) instead of posting it again, nonce or not', async () => {
    await journal().flush();
    const before = (await journal().progress()).state.written_through;
    const waiting: OutboxRecord[] = [];
    await changes(2);
    waiting.push(...(await t.drive.repos.journal.outboxAfter(before, 10_000)));
    await journal().flush();
    const posted = (await segments()).length;
    // As a crash would leave it: the segment is on Discord, the state and the outbox say it is not.
    await journal().stop();
    await t.drive.repos.journal.reset({ written_through: before });
    for (const r of waiting) {
      await sql`insert into journal_outbox (seq, tbl, op, pk, row, at) values (${r.seq}, ${r.tbl}, ${r.op}, ${r.pk}, ${r.row}, ${r.at})`.execute(
        db.db,
      );
    }
    // Past the minutes in which Discord would answer a resend with the first copy (enforce_nonce).
    guild.emulator.control.advance(guild.emulator.control.limits.nonceWindowMs + 1_000);
    await journal().flush();
    expect((await segments()).length).toBe(posted);
    expect((await journal().progress()).state.checkpoint_due).toBe(0);
    await expectWholeJournal();
  });
});

describeEachDb('the metadata journal before Discord is connected', (dialect) => {
  it('keeps nothing in the outbox, and the first checkpoint once connected covers what came before', async () => {
    const guild = await emulatedGuild();
    const t = await startTestApp({ dialect, env: guild.env });
    try {
      const admin = driveClient(t, t.adminToken);
      await admin.mkdir(await admin.rootId(), 'local');
      await t.drive.journal!.flush();
      expect(await t.drive.repos.journal.outboxAfter(0, 10)).toEqual([]);
      const connected = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/admin/storage/discord',
        headers: bearer(t.adminToken),
        payload: { botToken: guild.seeded.bots[0]!.token, guildId: guild.seeded.guild.id, channels: 1 },
      });
      expect(connected.statusCode).toBe(200);
      await t.drive.journal!.flush();
      const { state, head } = await t.drive.journal!.progress();
      expect(state.checkpoint_through).toBe(head);
      expect(postedSegments(guild, state, await t.drive.repos.drive.id())).toEqual([]);
    } finally {
      await t.close();
      await guild.close();
    }
  });
});

describeEachDb('the metadata journal of a bot invited without Send Messages', (dialect) => {
  it('says why it cannot write, and the drive goes on storing and reading files through the same bot', async () => {
    const guild = await emulatedGuild({
      permissions: [
        'MANAGE_CHANNELS',
        'MANAGE_WEBHOOKS',
        'MANAGE_MESSAGES',
        'VIEW_CHANNEL',
        'READ_MESSAGE_HISTORY',
      ],
    });
    const t = await startJournaledDrive(guild, { dialect });
    try {
      await expect(t.drive.journal!.flush(3_000)).rejects.toThrow(/50013/);
      const status = (
        await t.drive.app.inject({
          method: 'GET',
          url: '/api/v1/admin/journal',
          headers: bearer(t.adminToken),
        })
      ).json<JournalStatus>();
      expect(status.checkpointThrough).toBeNull();
      const admin = driveClient(t, t.adminToken);
      const data = randomBytes(40_000);
      const file = await admin.upload(await admin.rootId(), 'still stored.bin', data);
      // Reading it back refreshes its link through the bot, which must still be in use.
      guild.emulator.control.advance(25 * 3_600_000);
      expect((await admin.content(file.id)).equals(data)).toBe(true);
      const storage = (
        await t.drive.app.inject({
          method: 'GET',
          url: '/api/v1/admin/storage',
          headers: bearer(t.adminToken),
        })
      ).json<StorageStatus>();
      expect(storage.discord!.credentials.every((c) => c.quarantined === null)).toBe(true);
    } finally {
      await t.close();
      await guild.close();
    }
  });
});

describeEachDb('the metadata journal across restarts and instances', (dialect) => {
  let guild: EmulatedGuild;
  let home: DriveHome;
  beforeEach(async () => {
    guild = await emulatedGuild({ timeScale: 20 });
    home = await newDriveHome(guild, dialect);
  });
  afterEach(async () => {
    await home.drop();
    await rm(home.dataDir, { recursive: true, force: true });
    await guild.close();
  });

  const wholeJournal = async (t: TestApp) => {
    const { state, head } = await t.drive.journal!.progress();
    const seqs = postedSegments(guild, state, await t.drive.repos.drive.id()).flatMap((s) =>
      s.records.map((r) => r.seq),
    );
    // Each number once, in order, none missing, up to the last change.
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(Array.from({ length: head - seqs[0]! + 1 }, (_, i) => seqs[0]! + i));
    expect(state.written_through).toBe(head);
  };

  it('carries on after a restart from what the outbox kept while Discord refused it', async () => {
    const first = await startJournaledDrive(guild, { home });
    await first.drive.journal!.flush();
    const control = (await first.drive.journal!.progress()).state.control_channel_id!;
    guild.emulator.control.injectFault({
      kind: 'status500',
      path: `/api/v10/channels/${control}/messages`,
      method: 'POST',
      count: 1_000_000,
    });
    const admin = driveClient(first, first.adminToken);
    for (let i = 0; i < 3; i++) await admin.mkdir(await admin.rootId(), `while refused ${i}`);
    await expect(first.drive.journal!.flush(2_000)).rejects.toThrow();
    await first.close();
    guild.emulator.control.clearFaults();

    const second = await startRestored(guild, home);
    try {
      await second.drive.journal!.flush();
      await wholeJournal(second);
    } finally {
      await second.close();
    }
  });

  it('is written by one instance at a time, whichever the changes were made on', async () => {
    const a = await startJournaledDrive(guild, { home, overrides: { journal: true } });
    const b = await startRestored(guild, home, {});
    try {
      b.drive.journal!.start();
      const clients = [driveClient(a, a.adminToken), driveClient(b, b.adminToken)];
      for (let i = 0; i < 6; i++) {
        const c = clients[i % 2]!;
        await c.upload(await c.rootId(), `from instance ${i % 2} ${i}.bin`, randomBytes(3_000));
      }
      for (const deadline = Date.now() + 60_000; ;) {
        const { state, head } = await a.drive.journal!.progress();
        if (state.checkpoint_through !== null && state.written_through === head) break;
        if (Date.now() > deadline) throw new Error('the journal did not catch up');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await wholeJournal(a);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describeEachDb('a control channel someone deleted', (dialect) => {
  it('is made again, starting with a checkpoint, so the drive stays restorable', async () => {
    const guild = await emulatedGuild({ timeScale: 20 });
    const t = await startJournaledDrive(guild, { dialect });
    try {
      await t.drive.journal!.flush();
      const gone = (await t.drive.journal!.progress()).state.control_channel_id!;
      const deleted = await guild.emulator.app.inject({
        method: 'DELETE',
        url: `/api/v10/channels/${gone}`,
        headers: { authorization: `Bot ${guild.seeded.bots[0]!.token}` },
      });
      expect(deleted.statusCode).toBe(200);
      const admin = driveClient(t, t.adminToken);
      await admin.mkdir(await admin.rootId(), 'after the channel went');
      await t.drive.journal!.flush();
      const { state, head } = await t.drive.journal!.progress();
      expect(state.control_channel_id).not.toBe(gone);
      const channel = guild.emulator.state.channels.get(state.control_channel_id!)!;
      expect(channel.name).toBe('idrive-control');
      expect(state.checkpoint_through).toBe(head);
      expect([...channel.messages.values()].some((m) => m.content.startsWith('I Drive superblock: '))).toBe(
        true,
      );
    } finally {
      await t.close();
      await guild.close();
    }
  });
});
