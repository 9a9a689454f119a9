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

/** How many copies the drive keeps of every stored object: 1 to 3. */
export const replicaCount = z.number().int().min(1, 'keeps at least 1 copy').max(3, 'keeps at most 3 copies');

export const storageReplicasBody = z.object({ replicas: replicaCount });
export type StorageReplicasBody = z.infer<typeof storageReplicasBody>;

/** What one scrub run, or the runs of the last week together, did. */
export const scrubReport = z.object({
  /** Copies looked for, and of those read back and opened. */
  checked: z.number().int(),
  deepChecked: z.number().int(),
  /** Copies found gone, or whose bytes do not open. */
  missing: z.number().int(),
  damaged: z.number().int(),
  /** Copies made in place of lost or damaged ones, made to reach the setting, and removed over it. */
  repaired: z.number().int(),
  added: z.number().int(),
  removed: z.number().int(),
  /** Checks and repairs that could not be done this time (Discord did not answer, no channel apart). */
  failed: z.number().int(),
  /** How long it took, in milliseconds. */
  ms: z.number().int(),
});
export type ScrubReport = z.infer<typeof scrubReport>;

/** A live file with a chunk that has one good copy (while more are kept), or none. */
export const fileAtRisk = z.object({
  id: z.string(),
  owner: z.string(),
  /** From the owner's root, e.g. `/photos/2024/a.jpg`. */
  path: z.string(),
  goodCopies: z.number().int(),
});
export type FileAtRisk = z.infer<typeof fileAtRisk>;

/** The copies the drive keeps and what the scrubber found of them. */
export const storageCopies = z.object({
  replicas: replicaCount,
  /** Where copies can go apart (Discord: storage channels); more copies than places cannot be kept. */
  places: z.number().int(),
  objects: z.number().int(),
  copies: z.number().int(),
  /** Stored objects with fewer good copies than kept, and with none. */
  objectsShort: z.number().int(),
  objectsLost: z.number().int(),
  /** Live files with a single good copy of some chunk (counted while more are kept), and with none. */
  filesSingle: z.number().int(),
  filesLost: z.number().int(),
  /** The first 50 of those files, those with no good copy first. */
  atRisk: z.array(fileAtRisk),
  scrub: z.object({
    /** Every copy is looked for once in this many days. */
    periodDays: z.number(),
    lastRunAt: z.iso.datetime().nullable(),
    last: scrubReport.nullable(),
    /** The runs of the last 7 days together. */
    week: scrubReport,
  }),
});
export type StorageCopies = z.infer<typeof storageCopies>;

/**
 * The drive's id (every chunk it stores carries it: an opaque id, the same on every instance), where
 * new chunks go and, once Discord is connected, the state of every credential (never a token), and
 * the health of the copies kept.
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
  copies: storageCopies,
});
export type StorageStatus = z.infer<typeof storageStatus>;
