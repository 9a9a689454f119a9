import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createDiscordEmulator,
  type DiscordEmulator,
  type PermissionName,
  type SeedResult,
} from '@idrive/discord-emulator';
import { loadConfig, type Config } from '../../src/config.js';
import type { DbDialect } from '../../src/db/database.js';
import { decodeSegment, type JournalRecord } from '../../src/journal/journal-records.js';
import { openMetadataKey } from '../../src/journal/superblock.js';
import type { JournalState } from '../../src/repositories/journal.repository.js';
import { MasterKey } from '../../src/storage/master-key.js';
import { openBlob } from '../../src/storage/sealed-blob.js';
import { bearer, startTestApp, type TestApp, type TestAppOptions } from './test-app.js';
import { adminQuery } from './test-db.js';

/** The master key every drive of these tests is made with, as a user would keep it. */
export const MASTER_KEY = randomBytes(32).toString('hex');

export interface EmulatedGuild {
  emulator: DiscordEmulator;
  base: string;
  seeded: SeedResult;
  /** The environment that points a drive at this emulator. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A listening emulator with Discord's limits and a guild with one bot, and no channels yet. With
 * `timeScale`, Discord's clock runs that much faster (the drive is told, and waits that much less).
 */
export async function emulatedGuild(
  options: { messageContent?: boolean; timeScale?: number; permissions?: PermissionName[] } = {},
): Promise<EmulatedGuild> {
  const timeScale = options.timeScale ?? 1;
  const emulator = createDiscordEmulator({ timeScale });
  const base = await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  const seeded = emulator.control.seed({
    channels: [],
    bots: [
      {
        messageContent: options.messageContent ?? false,
        ...(options.permissions ? { permissions: options.permissions } : {}),
      },
    ],
  });
  return {
    emulator,
    base,
    seeded,
    env: {
      DISCORD_API_BASE: `${base}/api/v10`,
      DISCORD_CDN_BASE: base,
      DISCORD_TIME_SCALE: String(timeScale),
      IDRIVE_MASTER_KEY: MASTER_KEY,
    },
    close: () => emulator.app.close(),
  };
}

/**
 * A drive connected to the guild through the admin API, as a person sets one up: in a test database,
 * or with `home` in that data directory and database (kept when the drive closes).
 */
export async function startJournaledDrive(
  guild: EmulatedGuild,
  options: { dialect?: DbDialect; env?: Record<string, string>; home?: DriveHome } & Pick<
    TestAppOptions,
    'overrides'
  > = {},
): Promise<TestApp> {
  const { home } = options;
  const t = await startTestApp({
    dialect: options.dialect ?? 'sqlite',
    env: { ...guild.env, ...(home?.databaseUrl ? { DATABASE_URL: home.databaseUrl } : {}), ...options.env },
    ...(home ? { dataDir: home.dataDir, configDb: true } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const res = await t.drive.app.inject({
    method: 'POST',
    url: '/api/v1/admin/storage/discord',
    headers: bearer(t.adminToken),
    payload: { botToken: guild.seeded.bots[0]!.token, guildId: guild.seeded.guild.id, channels: 2 },
  });
  if (res.statusCode !== 200) throw new Error(`connecting Discord failed: ${res.statusCode} ${res.body}`);
  return t;
}

/** Where a drive lives, as on a new machine: a new data directory and, on PostgreSQL, a new database. */
export interface DriveHome {
  dataDir: string;
  /** postgres:// of the new database, or undefined for SQLite in the data directory. */
  databaseUrl: string | undefined;
  config: Config;
  drop(): Promise<void>;
}

export async function newDriveHome(guild: EmulatedGuild, dialect: DbDialect): Promise<DriveHome> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-home-'));
  let databaseUrl: string | undefined;
  let drop = async (): Promise<void> => undefined;
  if (dialect === 'postgres') {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    const name = `idrive_home_${randomBytes(6).toString('hex')}`;
    await adminQuery(url.href, `create database ${name}`);
    url.pathname = `/${name}`;
    databaseUrl = url.href;
    drop = () => adminQuery(process.env.TEST_DATABASE_URL!, `drop database ${name} with (force)`);
  }
  const config = loadConfig({
    ...guild.env,
    IDRIVE_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  return { dataDir, databaseUrl, config, drop };
}

/** The drive in a home (a restore wrote it there), started in this process. */
export function startRestored(
  guild: EmulatedGuild,
  target: DriveHome,
  env: Record<string, string> = {},
): Promise<TestApp> {
  return startTestApp({
    dataDir: target.dataDir,
    configDb: true,
    env: { ...guild.env, ...(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : {}), ...env },
  });
}

/** A journal segment as the control channel holds it, opened. */
export interface PostedSegment {
  messageId: string;
  first: number;
  last: number;
  records: JournalRecord[];
}

/**
 * Every journal segment in a drive's control channel, in the order they were posted, opened with the
 * master key and the drive's metadata key (as a restore opens them).
 */
export function postedSegments(guild: EmulatedGuild, state: JournalState, driveId: string): PostedSegment[] {
  const channel = guild.emulator.state.channels.get(state.control_channel_id!)!;
  const master = new MasterKey(Buffer.from(MASTER_KEY, 'hex'));
  const metadataKey = openMetadataKey(master, driveId, state.metadata_key!);
  return [...channel.messages.values()]
    .filter((m) => m.content.startsWith('I Drive journal: '))
    .map((m) => {
      const attachments = [...m.attachments].sort((a, b) =>
        a.filename.localeCompare(b.filename, 'en', { numeric: true }),
      );
      const { header, records } = decodeSegment(
        openBlob(
          metadataKey,
          attachments.map((a) => a.data),
          { driveId },
        ).plain,
      );
      return { messageId: m.id, first: header.first, last: header.last, records };
    });
}
