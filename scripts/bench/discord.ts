// Our drive on an emulated Discord (4 channels): the Discord path's own cost with the limits off,
// next to the local store; and with Discord's limits on, the upload speed against what the limits
// allow, messages per GiB, 429s, and per channel the message slots the upload left unused.
import type { AddressInfo } from 'node:net';
import { DEFAULT_CHUNK_SIZE } from '@idrive/shared';
import { createDiscordEmulator, type DiscordEmulator } from '@idrive/discord-emulator';
import type { BenchContext } from './context.js';
import { allowedInSpan, minimalSendMs, type ChannelLimits } from './discord-limits.js';
import { startDrive, timedDownload, timedUpload, type Drive } from './drive.js';
import { FILE_LABEL, FILE_SIZE, MiB, mbps, percent, repeat, rows } from './rows.js';

const CHANNELS = 4;
/** Discord seconds per real second in the limited run: slow enough that Discord's limits bind. */
const TIME_SCALE = 0.25;
/** Attachments per message when the drive packs them fully (Discord's 3 × 8 MiB per message). */
const CHUNKS_PER_MESSAGE = 3;
const SHARE_OF_LIMITS = 0.95;
const MESSAGES_PER_GIB = 46;

interface OnDiscord {
  emulator: DiscordEmulator;
  drive: Drive;
  guildId: string;
  close(): Promise<void>;
}

/** A drive of ours connected to a fresh emulated Discord with CHANNELS channels. */
async function onDiscord(options: { limits: boolean; timeScale: number }): Promise<OnDiscord> {
  const emulator = createDiscordEmulator({
    timeScale: options.timeScale,
    ...(options.limits ? {} : { limits: { rateLimits: { enabled: false } } }),
  });
  await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
  const seed = emulator.control.seed({ channels: [], bots: [{}] });
  const drive = await startDrive('discord', {
    env: {
      DISCORD_API_BASE: `${base}/api/v10`,
      DISCORD_CDN_BASE: base,
      DISCORD_TIME_SCALE: String(options.timeScale),
    },
  }).catch(async (err: unknown) => {
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
  return { emulator, drive, guildId: seed.guild.id, close };
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

/** Per channel of the guild: messages sent since `since`, and slots the limits allowed but went unused. */
function channelSlots(on: OnDiscord, since: number, spanMs: number, limits: ChannelLimits): string {
  const allowed = allowedInSpan(spanMs, limits);
  const channels = [...on.emulator.state.channels.values()].filter((c) => c.guildId === on.guildId);
  return channels
    .map((c) => {
      const sent = [...c.messages.values()].filter((m) => m.timestampMs >= since).length;
      return `${c.name} ${sent} sent, ${allowed - sent} unused`;
    })
    .join('; ');
}

/** Discord's limits, with the emulator's clock slowed so that they, not this machine, set the pace. */
async function limitedRows(file: string): Promise<void> {
  const limited = await onDiscord({ limits: true, timeScale: TIME_SCALE });
  try {
    const { buckets } = limited.emulator.control.limits.rateLimits;
    const limits = { webhook: buckets.webhookExecute, channel: buckets.webhookChannelShared };
    const startedAt = limited.emulator.control.now();
    await timedUpload(limited.drive, limited.drive.rootId, 'limited.bin', file, FILE_SIZE);
    const discordMs = limited.emulator.control.now() - startedAt;
    const stats = limited.emulator.control.stats();
    const fewestMessages = Math.ceil(Math.ceil(FILE_SIZE / DEFAULT_CHUNK_SIZE) / CHUNKS_PER_MESSAGE);
    const floorMs = minimalSendMs(fewestMessages, CHANNELS, limits);
    const achieved = mbps(FILE_SIZE, discordMs);
    const ceiling = mbps(FILE_SIZE, floorMs);
    rows.push({
      metric: `Discord limits, ${CHANNELS} channels: upload (Discord time)`,
      value: achieved,
      unit: 'MB/s',
      target: `≥ ${SHARE_OF_LIMITS * 100}% of what the limits allow`,
      // A small upload fits in Discord's first rate windows: then no limit binds and there is no ceiling.
      ...(floorMs > 0
        ? {
            ceiling: `limits allow ${ceiling.toFixed(0)} MB/s: ${percent(achieved, ceiling)}; ${channelSlots(limited, startedAt, discordMs, limits)}`,
            pass: achieved >= SHARE_OF_LIMITS * ceiling,
          }
        : { ceiling: 'too small for the limits to bind; bench 1 GiB' }),
    });
    const perGiB = (n: number) => (n * 1024 * MiB) / FILE_SIZE;
    rows.push({
      metric: 'Discord messages per GiB',
      value: perGiB(stats.messages),
      unit: 'msgs',
      target: `≤ ${MESSAGES_PER_GIB}`,
      ceiling: `fewest possible ${perGiB(fewestMessages).toFixed(0)}`,
      pass: perGiB(stats.messages) <= MESSAGES_PER_GIB,
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
