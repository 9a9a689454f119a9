import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { restore } from '../../src/restore/restore.js';
import { driveClient } from '../helpers/drive-client.js';
import {
  emulatedGuild,
  newDriveHome,
  startJournaledDrive,
  startRestored,
  type DriveHome,
  type EmulatedGuild,
} from '../helpers/journaled-drive.js';
import { describeEachDb } from '../helpers/test-db.js';
import { runToolProcess } from '../helpers/tool-process.js';

/**
 * `npm run export` while the drive runs, then a restore from that file: alone (nothing after the
 * export comes back), and with the bot token (the journal after the export comes back too).
 */
describeEachDb('an export of the database, restored', (dialect) => {
  let guild: EmulatedGuild;
  let home: DriveHome;
  let dir: string;
  let out: string;
  let exported: string;
  const content = randomBytes(70_000);
  const homes: DriveHome[] = [];

  beforeAll(async () => {
    guild = await emulatedGuild({ timeScale: 20 });
    home = await newDriveHome(guild, dialect);
    const t = await startJournaledDrive(guild, { home });
    try {
      const admin = driveClient(t, t.adminToken);
      const folder = await admin.mkdir(await admin.rootId(), 'kept in the export');
      await admin.upload(folder.id, 'exported.bin', content);
      await t.drive.journal!.flush();
      dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-export-'));
      out = path.join(dir, 'drive.export');
      const run = await runToolProcess('export', ['--out', out, '--data-dir', home.dataDir], {
        ...guild.env,
        ...(home.databaseUrl ? { DATABASE_URL: home.databaseUrl } : {}),
      });
      expect(run.code, run.output).toBe(0);
      exported = run.output;
      await admin.mkdir(await admin.rootId(), 'made after the export');
      await t.drive.journal!.flush();
    } finally {
      await t.close();
    }
  }, 300_000);

  afterAll(async () => {
    for (const h of [home, ...homes]) {
      await h?.drop();
      if (h) await rm(h.dataDir, { recursive: true, force: true });
    }
    if (dir) await rm(dir, { recursive: true, force: true });
    await guild?.close();
  });

  const restoredFrom = async (withDiscord: boolean) => {
    const target = await newDriveHome(guild, dialect);
    homes.push(target);
    const report = await restore({
      config: target.config,
      fromExport: out,
      ...(withDiscord ? { botToken: guild.seeded.bots[0]!.token, guildId: guild.seeded.guild.id } : {}),
      scan: false,
      log: pino({ level: 'silent' }),
    });
    return { report, t: await startRestored(guild, target) };
  };

  it('is sealed under the master key: private, and no name or byte of the drive in the clear', async () => {
    expect(exported).toMatch(/^Exported drive [0-9a-f-]{36} through journal record \d+/);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const bytes = await readFile(out);
    expect(bytes.includes(Buffer.from('kept in the export'))).toBe(false);
    expect(bytes.includes(Buffer.from('admin'))).toBe(false);
  });

  it('restores from the export alone, with no Discord bot, as the drive was when exported', async () => {
    const { report, t } = await restoredFrom(false);
    try {
      expect(report.segments).toBe(0);
      const admin = driveClient(t, t.adminToken);
      expect(
        (await admin.content((await admin.at('kept in the export/exported.bin')).id)).equals(content),
      ).toBe(true);
      const names = (await admin.list(await admin.rootId())).items.map((i) => i.name);
      expect(names).not.toContain('made after the export');
    } finally {
      await t.close();
    }
  });

  it('restores from the export and the journal after it, with the bot', async () => {
    const { report, t } = await restoredFrom(true);
    try {
      expect(report.segments).toBeGreaterThan(0);
      const admin = driveClient(t, t.adminToken);
      const names = (await admin.list(await admin.rootId())).items.map((i) => i.name);
      expect(names).toEqual(expect.arrayContaining(['kept in the export', 'made after the export']));
    } finally {
      await t.close();
    }
  });
});
