// Our drive on an emulated Discord (4 channels): the Discord path's own cost with the limits off,
// next to the local store; and with Discord's limits on, the upload speed against what the limits
// allow, messages per GiB, 429s, and per channel the message slots the upload left unused; then the
// same pace for three instances sharing the limits through Redis (discord-cluster.ts).
import type { AddressInfo } from 'node:net';
import { DEFAULT_CHUNK_SIZE } from '@idrive/shared';
import { createDiscordEmulator, type DiscordEmulator } from '@idrive/discord-emulator';
import type { BenchContext } from './context.js';
import { minimalSendMs } from './discord-limits.js';
import { startDrive, timedDownload, timedUpload, type Drive } from './drive.js';
import { FILE_LABEL, FILE_SIZE, MiB, mbps, repeat, rows } from './rows.js';

export const CHANNELS = 4;
/** Discord seconds per real second in the limited runs: slow enough that Discord's limits bind. */
export const TIME_SCALE = 0.25;
/** Attachments per message when the drive packs them fully (Discord's 3 × 8 MiB per message). */
export const CHUNKS_PER_MESSAGE = 3;
const SHARE_OF_LIMITS = 0.95;
const MESSAGES_PER_GIB = 46;

export interface OnDiscord {
  emulator: DiscordEmulator;
  drive: Drive;
  guildId: string;
  /** The drive's environment: another instance of the same drive starts with it. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A drive of ours connected to a fresh emulated Discord with CHANNELS channels. */
export async function onDiscord(options: {
  limits: boolean;
  timeScale: number;
  env?: Record<string, string>;
}): Promise<OnDiscord> {
  const emulator = createDiscordEmulator({
    timeScale: options.timeScale,
    ...(options.limits ? {} : { limits: { rateLimits: { enabled: false } } }),
  });
  await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
  const seed = emulator.control.seed({ channels: [], bots: [{}] });
  const env = {
    ...options.env,
    DISCORD_API_BASE: `${base}/api/v10`,
    DISCORD_CDN_BASE: base,
    DISCORD_TIME_SCALE: String(options.timeScale),
  };
  const drive = await startDrive('discord', { env }).catch(async (err: unknown) => {
    await emulator.app.close();
    throw err;
  });
  const close = async () => {
    await drive.stop();
    await emulator.app.close();
  };
  const connected = await fetch(`${drive.server.baseUrl}/api/v1/admin/storage/discord`, {
    method: 'POST',
    headers: { ...drive.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ botToken: seed.bots[0]!.token, guildId: seed.guild.id, channels: CHANNELS }),
  });
  if (!connected.ok) {
    await close();
    throw new Error(`connecting the emulator failed: ${await connected.text()}`);
  }
  return { emulator, drive, guildId: seed.guild.id, env, close };
}

/** Limits off: what the Discord path itself costs, next to the local store in the same run. */
async function unlimitedRows(ctx: BenchContext, file: string): Promise<void> {
  const free = await onDiscord({ limits: false, timeScale: 1 });
  try {
    let fileId = '';
    const up = await repeat(3, async (run) => {
      const done = await timedUpload(free.drive, free.drive.rootId, `discord-${run}.bin`, file, FILE_SIZE);
      fileId = done.fileId;
      return done.mbps;
    });
    const down = await repeat(
      3,
      async () => (await timedDownload(free.drive, `/files/${fileId}/content`, FILE_SIZE)).mbps,
    );
    const sides = [
      { what: 'upload', spread: up, local: ctx.local?.up },
      { what: 'download', spread: down, local: ctx.local?.down },
    ];
    for (const { what, spread, local } of sides) {
      rows.push({
        metric: `Discord path, limits off: ${what} ${FILE_LABEL}`,
        value: spread.median,
        unit: 'MB/s',
        target: '-',
        ...(local === undefined ? {} : { ceiling: `local store ${local.toFixed(0)} MB/s` }),
        runs: spread.runs,
      });
    }
  } finally {
    await free.close();
  }
}

/** The guild's storage channels: the control channel's journal messages are not the upload's. */
function storageChannels(on: Pick<OnDiscord, 'emulator' | 'guildId'>) {
  return [...on.emulator.state.channels.values()].filter(
    (c) => c.guildId === on.guildId && c.name.startsWith('idrive-storage-'),
  );
}

/** The storage channels' messages posted since `since`, by channel, and the first and last of them (Discord time). */
function postedSince(on: Pick<OnDiscord, 'emulator' | 'guildId'>, since: number) {
  const channels = storageChannels(on);
  const times = channels
    .flatMap((c) => [...c.messages.values()].map((m) => m.timestampMs))
    .filter((t) => t >= since);
  return { channels, first: Math.min(...times), last: Math.max(...times) };
}

/** Per channel: messages posted, and the slots of closed rate windows that went unused, by why. */
function channelSlots(on: Pick<OnDiscord, 'emulator'>, channels: { id: string; name: string }[]): string {
  const ledger = on.emulator.control.stats().channels;
  return channels
    .map((c) => {
      const slots = ledger[c.id];
      if (!slots) return `${c.name} none`;
      const { idle, backoff, channelFull } = slots.unused;
      return `${c.name} ${slots.messages} sent, unused ${idle} idle / ${backoff} backing off / ${channelFull} channel full`;
    })
    .join('; ');
}

/**
 * The upload pace against what the limits allow. The limits decide when each message may go, so the
 * pace is judged from the first message to the last (Discord time) against the least time the limits
 * allow for the fewest messages the upload could be packed into; receiving the body before the first,
 * and committing after the last, are the other rows'.
 */
export function paceRow(
  metric: string,
  on: Pick<OnDiscord, 'emulator' | 'guildId'>,
  upload: { startedAt: number; fewestMessages: number; bytes: number },
): void {
  const { buckets } = on.emulator.control.limits.rateLimits;
  const limits = { webhook: buckets.webhookExecute, channel: buckets.webhookChannelShared };
  const discordMs = on.emulator.control.now() - upload.startedAt;
  const posted = postedSince(on, upload.startedAt);
  const floorMs = minimalSendMs(upload.fewestMessages, CHANNELS, limits);
  const pacedMs = posted.last - posted.first;
  rows.push({
    metric,
    value: floorMs > 0 ? (100 * floorMs) / Math.max(pacedMs, floorMs) : 100,
    unit: '% of the limits',
    target: `≥ ${SHARE_OF_LIMITS * 100}% of what the limits allow`,
    // A small upload fits in Discord's first rate windows: then no limit binds and there is no ceiling.
    ...(floorMs > 0
      ? {
          ceiling: `first → last message ${(pacedMs / 1000).toFixed(2)} s, the limits allow ${(floorMs / 1000).toFixed(2)} s; end to end ${mbps(upload.bytes, discordMs).toFixed(0)} MB/s; ${channelSlots(on, posted.channels)}`,
          pass: floorMs >= SHARE_OF_LIMITS * pacedMs,
        }
      : { ceiling: 'too small for the limits to bind; bench 1 GiB' }),
  });
}

/** Discord's limits, with the emulator's clock slowed so that they, not this machine, set the pace. */
async function limitedRows(file: string): Promise<void> {
  const limited = await onDiscord({ limits: true, timeScale: TIME_SCALE });
  try {
    const startedAt = limited.emulator.control.now();
    await timedUpload(limited.drive, limited.drive.rootId, 'limited.bin', file, FILE_SIZE);
    const fewestMessages = Math.ceil(Math.ceil(FILE_SIZE / DEFAULT_CHUNK_SIZE) / CHUNKS_PER_MESSAGE);
    paceRow(`Discord limits, ${CHANNELS} channels: upload pace (Discord time)`, limited, {
      startedAt,
      fewestMessages,
      bytes: FILE_SIZE,
    });
    const stats = limited.emulator.control.stats();
    const perGiB = (n: number) => (n * 1024 * MiB) / FILE_SIZE;
    const messages = storageChannels(limited).reduce((n, c) => n + c.messages.size, 0);
    rows.push({
      metric: 'Discord messages per GiB',
      value: perGiB(messages),
      unit: 'msgs',
      target: `≤ ${MESSAGES_PER_GIB}`,
      ceiling: `fewest possible ${perGiB(fewestMessages).toFixed(0)}`,
      pass: perGiB(messages) <= MESSAGES_PER_GIB,
    });
    rows.push({
      metric: 'Discord 429s (user / global / shared), invalid requests',
      value: stats.rateLimited.user + stats.rateLimited.global + stats.rateLimited.shared,
      unit: '',
      target: '0 invalid',
      ceiling: `${stats.rateLimited.user} / ${stats.rateLimited.global} / ${stats.rateLimited.shared}, invalid ${stats.invalidRequests}`,
      pass: stats.invalidRequests === 0,
    });
  } finally {
    await limited.close();
  }
}

export async function discordRows(ctx: BenchContext): Promise<void> {
  const file = await ctx.bigFile();
  await unlimitedRows(ctx, file);
  await limitedRows(file);
}
