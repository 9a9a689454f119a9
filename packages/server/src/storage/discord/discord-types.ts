/** The few Discord objects the chunk store reads (API v10). */
export interface DiscordAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
}

export interface DiscordMessage {
  id: string;
  channel_id: string;
  /** Blank, like the attachments, for a bot without the Message Content intent (unless it sent it). */
  content?: string;
  author?: { id: string };
  /** Blank for a bot without the Message Content intent, unless the bot sent the message. */
  attachments: DiscordAttachment[];
  /** Set on messages a webhook posted (all of ours); visible without the intent. */
  webhook_id?: string;
}

/** Discord's error body: `{ message, code }`; a 429 adds `retry_after` (seconds, float) and `global`. */
export interface DiscordErrorBody {
  message?: string;
  code?: number;
  retry_after?: number;
  global?: boolean;
}

/** A channel of a guild, as listing them gives it. */
export interface DiscordChannel {
  id: string;
  name?: string;
  topic?: string | null;
  type?: number;
}

/** A webhook we upload through, and the channel its messages land in. */
export interface WebhookCredential {
  id: string;
  token: string;
  channelId: string;
}

/** A bot we read, refresh and delete with. */
export interface BotCredential {
  id: string;
  token: string;
}

/** Where a chunk lives on Discord. Ids and our own file name only: signed URLs expire. */
export interface DiscordChunkRef {
  channelId: string;
  messageId: string;
  attachmentId: string;
  filename: string;
}

export function formatLocator(ref: DiscordChunkRef): string {
  return [ref.channelId, ref.messageId, ref.attachmentId, ref.filename].join('/');
}

/** Whether a string is a Discord chunk locator (and not, say, a bare chunk key). */
export function isLocator(locator: string): boolean {
  return /^\d{1,20}\/\d{1,20}\/\d{1,20}\/[\w.-]+$/.test(locator);
}

/** The message a chunk is in: Discord deletes a message with all its attachments, never one alone. */
export function containerOfLocator(locator: string): string {
  const ref = parseLocator(locator);
  return `${ref.channelId}/${ref.messageId}`;
}

export function parseLocator(locator: string): DiscordChunkRef {
  const parts = locator.split('/');
  if (
    parts.length !== 4 ||
    !parts.slice(0, 3).every((p) => /^\d{1,20}$/.test(p)) ||
    !/^[\w.-]+$/.test(parts[3]!)
  ) {
    throw new Error(`Not a Discord chunk locator: ${locator}`);
  }
  const [channelId, messageId, attachmentId, filename] = parts as [string, string, string, string];
  return { channelId, messageId, attachmentId, filename };
}

/** Discord's epoch (2015-01-01), from which snowflakes count milliseconds. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** When Discord made a message (or any object), from its id. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
