import { z } from 'zod';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)');

export const connectDiscordBody = z.object({
  botToken: z.string().trim().min(20, 'does not look like a bot token').max(200),
  guildId: snowflake,
  /** Storage channels to create: upload speed grows with them (about 30 messages a minute each). */
  channels: z.number().int().min(1).max(50).default(4),
  webhooksPerChannel: z.number().int().min(1).max(15).default(1),
});
export type ConnectDiscordBody = z.infer<typeof connectDiscordBody>;

export const credentialHealth = z.object({
  id: z.string(),
  kind: z.enum(['bot', 'webhook']),
  channelId: z.string().nullable(),
  /** Why it is out of use (a 401, a deleted webhook), and since when; null while it works. */
  quarantined: z.object({ reason: z.string(), since: z.iso.datetime() }).nullable(),
  lastUsed: z.iso.datetime().nullable(),
});
export type CredentialHealth = z.infer<typeof credentialHealth>;

/**
 * The drive's id (every chunk it stores carries it: an opaque id, the same on every instance), where
 * new chunks go and, once Discord is connected, the state of every credential (never a token).
 */
export const storageStatus = z.object({
  driveId: z.uuid(),
  writeTo: z.string(),
  discord: z
    .object({
      guildId: z.string(),
      channels: z.number().int(),
      credentials: z.array(credentialHealth),
    })
    .nullable(),
});
export type StorageStatus = z.infer<typeof storageStatus>;
