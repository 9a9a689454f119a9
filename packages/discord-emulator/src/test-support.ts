import { createDiscordEmulator, type DiscordEmulator, type DiscordEmulatorOptions } from './app.js';
import type { SeedResult } from './emulator-control.js';

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer | string;
}

/** A multipart/form-data body as DJS builds it. */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----idrive${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** A message with files, the way the chunk store sends one. */
export function filesBody(files: { name: string; data: Buffer | string }[], payload: object = {}) {
  return multipart([
    {
      name: 'payload_json',
      contentType: 'application/json',
      data: JSON.stringify({ attachments: files.map((f, i) => ({ id: i, filename: f.name })), ...payload }),
    },
    ...files.map((f, i) => ({ name: `files[${i}]`, filename: f.name, data: f.data })),
  ]);
}

export interface Seeded {
  emu: DiscordEmulator;
  seed: SeedResult;
  botAuth: { authorization: string };
  channelId: string;
  webhookPath: string;
  webhookId: string;
  guildId: string;
}

/** An emulator with a frozen clock, one guild, one bot, one channel and one webhook. */
export function seeded(options: DiscordEmulatorOptions = {}, bot: { messageContent?: boolean } = {}): Seeded {
  const emu = createDiscordEmulator({ timeScale: 0, ...options });
  const seed = emu.control.seed({ channels: ['storage'], webhooksPerChannel: 1, bots: [bot] });
  const channel = seed.channels[0]!;
  const webhook = channel.webhooks[0]!;
  return {
    emu,
    seed,
    botAuth: { authorization: `Bot ${seed.bots[0]!.token}` },
    channelId: channel.id,
    webhookPath: webhook.path,
    webhookId: webhook.id,
    guildId: seed.guild.id,
  };
}

export const noRateLimits = { limits: { rateLimits: { enabled: false } } } as const;
