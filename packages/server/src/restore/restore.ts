import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { DbJobQueue } from '../jobs/db-job-queue.js';
import { decodeCheckpoint } from '../journal/checkpoint-format.js';
import { ControlChannel, driveOfTopic } from '../journal/control-channel.js';
import { DriveState } from '../journal/drive-state.js';
import { SecretBox } from '../lib/secret-box.js';
import { Repositories } from '../repositories/repositories.js';
import { MEDIA_JOB, MEDIA_JOB_ATTEMPTS, mediaPayload } from '../services/media-queue.js';
import { createDiscordStore } from '../storage/discord/create-discord-store.js';
import type { DiscordChannel } from '../storage/discord/discord-types.js';
import { loadOrCreateMasterKey, type MasterKey } from '../storage/master-key.js';
import { openBlobFile } from '../storage/sealed-blob.js';
import { ControlReader, type JournalRead, type OpenedCheckpoint } from './control-reader.js';
import { loadState } from './load-state.js';
import { recoverFiles, type NotRecovered, type Recovered } from './recover-files.js';
import { scanChannels } from './scan-channels.js';

export interface RestoreOptions {
  /** Where to restore to (data directory, database) and how to reach Discord; the master key too. */
  config: Config;
  botToken?: string;
  guildId?: string;
  /** The drive to restore, when the guild holds the control channels of several. */
  driveId?: string;
  /** An export to start from instead of the latest checkpoint on Discord. */
  fromExport?: string;
  /** Walk the data channels afterwards for files the journal missed. */
  scan: boolean;
  log: FastifyBaseLogger;
}

export interface RestoreReport {
  driveId: string;
  controlChannelId: string | null;
  /** Where the rows came from: the checkpoint's (or export's) sequence number and the journal after it. */
  checkpointThrough: number;
  checkpointAt: number;
  journalThrough: number;
  segments: number;
  counts: Record<string, number>;
  /** Rows left out because what they point at is not there (a gap in the journal), per table. */
  dropped: Record<string, number>;
  problems: string[];
  scan: {
    channels: number;
    messages: number;
    recovered: Recovered[];
    notRecovered: NotRecovered[];
    passedOver: Record<string, number>;
  } | null;
}

const DISCORD_TOKENS_LABEL = 'idrive/discord-tokens/v1';

/**
 * Rebuilds a drive's database from Discord and the master key alone (docs/storage-format.md,
 * "Restoring"): the newest superblock in the drive's control channel, its checkpoint and the journal
 * after it (or an export, and the journal after that), folded into rows and written into an empty
 * database. With `scan`, the data channels are then walked for files the journal never recorded.
 * The restored drive makes a checkpoint of its own when it first starts.
 */
export async function restore(options: RestoreOptions): Promise<RestoreReport> {
  const { config } = options;
  const { key: master } = await loadOrCreateMasterKey({
    envValue: config.masterKey,
    keyFile: path.join(config.dataDir, 'master.key'),
    log: (message) => options.log.warn(message),
    create: false,
  });
  const base = options.fromExport ? await readExport(master, options.fromExport) : null;
  const source = options.botToken
    ? await fromDiscord(options, master, base)
    : base && { read: exportOnly(base), controlChannelId: base.header.journal.controlChannelId, bot: null };
  if (!source) throw new Error('Give --bot-token and --guild, or --from-export');
  const { read } = source;

  const state = new DriveState();
  for (const { table, row } of read.checkpoint.rows) state.put(table, row);
  state.through = read.checkpoint.header.through;
  for (const record of read.records) state.apply(record);
  const driveId = read.checkpoint.header.driveId;
  if (source.bot) {
    // The token restore was given is the one that works now: the restored drive goes on with it.
    const box = new SecretBox(master.deriveKey(DISCORD_TOKENS_LABEL));
    state.put('discord_credentials', {
      id: source.bot.id,
      kind: 'bot',
      guild_id: options.guildId!,
      channel_id: null,
      sealed_token: box.seal(options.botToken!, source.bot.id),
      created_at: Date.now(),
      quarantine_reason: null,
      quarantined_at: null,
    });
  }

  const handle = openDatabase({ url: config.databaseUrl ?? path.join(config.dataDir, 'idrive.sqlite') });
  let dropped: Map<string, number>;
  try {
    await migrateToLatest(handle, { shareTokens: new SecretBox(master.deriveKey('idrive/share-tokens/v1')) });
    dropped = await loadState(handle, state);
    await continueJournal(handle, source.controlChannelId, read, state);
  } finally {
    await handle.db.destroy();
  }

  const report: RestoreReport = {
    driveId,
    controlChannelId: source.controlChannelId,
    checkpointThrough: read.checkpoint.header.through,
    checkpointAt: read.checkpoint.header.createdAt,
    journalThrough: state.through,
    segments: read.segments,
    counts: Object.fromEntries(
      ['users', 'items', 'file_versions', 'shares', 'folder_locks', 'tags'].map((t) => [t, state.count(t)]),
    ),
    dropped: Object.fromEntries(dropped),
    problems: read.problems,
    scan: null,
  };
  if (options.scan) report.scan = await scan(options, master, state);
  return report;
}

/** The control channel found in the guild, read from its newest usable superblock (or after `base`). */
async function fromDiscord(
  options: RestoreOptions,
  master: MasterKey,
  base: OpenedCheckpoint | null,
): Promise<{ read: JournalRead; controlChannelId: string; bot: { id: string } }> {
  if (!options.guildId) throw new Error('--guild is needed with --bot-token');
  const { config } = options;
  const { scheduler, store } = createDiscordStore({
    endpoints: {
      apiBase: config.discordApiBase,
      cdnBase: config.discordCdnBase,
      timeScale: config.discordTimeScale,
    },
    bots: [{ id: 'restore', token: options.botToken! }],
    webhooks: [],
    chunkSize: config.chunkSize,
    log: options.log,
  });
  const call = async (what: string, apiPath: string) =>
    (
      await scheduler.bot(what, `restore:${apiPath}`, (bot) => ({
        method: 'GET',
        path: apiPath,
        authorization: `Bot ${bot.token}`,
      }))
    ).json;
  const bot = (await call('checking the bot token', '/users/@me')) as { id: string };
  const channels = (await call(
    'listing the server’s channels',
    `/guilds/${options.guildId}/channels`,
  )) as DiscordChannel[];
  const wanted = options.driveId ?? base?.header.driveId;
  const controls = channels.flatMap((c) => {
    const driveId = driveOfTopic(c.topic);
    return driveId && (!wanted || driveId === wanted) ? [{ channelId: c.id, driveId }] : [];
  });
  if (controls.length === 0) {
    throw new Error(
      `The server has no control channel${wanted ? ` of drive ${wanted}` : ''} (a channel whose topic names an I Drive drive)`,
    );
  }
  if (new Set(controls.map((c) => c.driveId)).size > 1) {
    throw new Error(
      `The server holds several drives; choose one with --drive: ${controls.map((c) => c.driveId).join(', ')}`,
    );
  }
  const { channelId, driveId } = controls[0]!;
  const reader = new ControlReader(new ControlChannel(scheduler, store, channelId), master);
  const read = base ? await reader.fromCheckpoint(base) : await reader.fromSuperblock(driveId);
  return { read, controlChannelId: channelId, bot };
}

async function readExport(master: MasterKey, file: string): Promise<OpenedCheckpoint> {
  const { plain } = openBlobFile(master, await readFile(file));
  return decodeCheckpoint(plain);
}

function exportOnly(checkpoint: OpenedCheckpoint): JournalRead {
  const through = checkpoint.header.through;
  return { superblock: null, checkpoint, records: [], segments: 0, highestSeen: through, problems: [] };
}

/**
 * The restored drive's journal state: the same control channel and key, the next sequence number
 * past anything the channel holds (so no number is given twice), and a checkpoint due first thing.
 * Media jobs the lost database had queued are queued again.
 */
async function continueJournal(
  handle: DbHandle,
  controlChannelId: string | null,
  read: JournalRead,
  state: DriveState,
): Promise<void> {
  const repos = new Repositories(handle);
  const next = Math.max(read.highestSeen, state.through);
  await repos.transaction(async (r) => {
    await r.journal.setHead(next);
    await r.journal.reset({
      control_channel_id: controlChannelId,
      metadata_key: read.superblock?.metadataKey ?? read.checkpoint.header.journal.metadataKey,
      written_through: next,
      checkpoint_through: null,
      checkpoint_at: null,
      superblock_message_id: null,
      checkpoint_due: 1,
      writer_token: null,
      writer_until: 0,
    });
    const jobs = new DbJobQueue(r);
    for (const { versionId, mimeType } of await r.media.pendingWithType()) {
      await jobs.enqueue(
        { kind: MEDIA_JOB, payload: mediaPayload(versionId, mimeType), maxAttempts: MEDIA_JOB_ATTEMPTS },
        r,
      );
    }
  });
}

/** Starts the restored drive (no jobs, no journal) to walk its data channels and recover files. */
async function scan(
  options: RestoreOptions,
  master: MasterKey,
  state: DriveState,
): Promise<RestoreReport['scan']> {
  const drive = await createApp(options.config, { jobs: false, journal: false, logger: options.log });
  try {
    const link = drive.discord.link();
    if (!link) {
      return {
        channels: 0,
        messages: 0,
        recovered: [],
        notRecovered: [{ what: 'the data channels', why: 'the restored drive has no Discord credentials' }],
        passedOver: {},
      };
    }
    const found = await scanChannels(
      link,
      master,
      await drive.repos.drive.id(),
      await drive.repos.versions.namedLocators('discord'),
      options.config.chunkSize,
    );
    const result = await recoverFiles(drive, found.versions.values(), (id) => state.hasVersion(id));
    const passedOver = new Map(found.passedOver);
    if (found.named > 0) passedOver.set('attachments the restored records hold', found.named);
    for (const [why, n] of result.passedOver) passedOver.set(why, (passedOver.get(why) ?? 0) + n);
    return {
      channels: found.channels,
      messages: found.messages,
      recovered: result.recovered,
      notRecovered: result.notRecovered,
      passedOver: Object.fromEntries(passedOver),
    };
  } finally {
    await drive.close();
  }
}
