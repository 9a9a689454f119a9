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

/**
 * How far the metadata journal has got (GET /admin/journal): every change is numbered when it
 * commits, and the drive can be rebuilt from Discord up to the last change the journal holds.
 */
export const journalStatus = z.object({
  /** Off only when IDRIVE_JOURNAL=false. */
  enabled: z.boolean(),
  /** The Discord channel that holds the journal, checkpoints and superblocks; null until Discord is connected. */
  controlChannelId: z.string().nullable(),
  /** The last change committed, and the last one the journal on Discord holds. */
  committedThrough: z.number().int(),
  writtenThrough: z.number().int(),
  /** The latest checkpoint of the whole drive: the change it is of, and when it was made. */
  checkpointThrough: z.number().int().nullable(),
  checkpointAt: z.iso.datetime().nullable(),
  /** Why writing last failed, while it keeps failing (the writer retries on its own). */
  lastError: z.object({ message: z.string(), at: z.iso.datetime() }).nullable(),
});
export type JournalStatus = z.infer<typeof journalStatus>;
