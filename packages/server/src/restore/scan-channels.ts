import type { DiscordLink } from '../services/discord.service.js';
import {
  formatLocator,
  isLocator,
  parseLocator,
  snowflakeTime,
  type DiscordAttachment,
  type DiscordMessage,
} from '../storage/discord/discord-types.js';
import { identifyStored } from '../storage/identify.js';
import type { MasterKey } from '../storage/master-key.js';

/** A stored chunk the records did not name, identified by its trailer. */
export interface FoundChunk {
  locator: string;
  plainSize: number;
  sealedSize: number;
  /** Set for a file found in a pack: the pack, and where in it. */
  pack?: { id: string; offset: number; size: number };
  /** When Discord took it. */
  at: number;
}

/** A version some of whose chunks the scan found. */
export interface FoundVersion {
  versionId: string;
  chunks: Map<number, FoundChunk>;
  /** From the final chunk (or the pack entry): the whole file. */
  final: { chunks: number; fileSize: number; sha256: string } | null;
  chunkSize: number | null;
  wrappedKey: Buffer;
  format: number;
}

export interface ChannelScan {
  channels: number;
  messages: number;
  /** Attachments the restored records name (read, and passed over). */
  named: number;
  versions: Map<string, FoundVersion>;
  /** What was passed over, and why, with a count per reason. */
  passedOver: Map<string, number>;
}

/**
 * Walks the drive's data channels and identifies every attachment no restored record names, from its
 * trailer alone (storage/identify.ts: the last bytes of the object, read by range through the CDN).
 * A bot without the Message Content intent sees no attachments in our webhooks' messages, so those
 * are read through the webhook that posted them, whose token the restored records hold.
 */
export async function scanChannels(
  link: DiscordLink,
  master: MasterKey,
  driveId: string,
  namedLocators: string[],
  chunkSize: number,
): Promise<ChannelScan> {
  const named = new Set(namedLocators.filter(isLocator).map((l) => parseLocator(l).attachmentId));
  const scan: ChannelScan = {
    channels: link.dataChannels.length,
    messages: 0,
    named: 0,
    versions: new Map(),
    passedOver: new Map(),
  };
  const pass = (why: string) => scan.passedOver.set(why, (scan.passedOver.get(why) ?? 0) + 1);
  for (const channelId of link.dataChannels) {
    for await (const message of channelMessages(link, channelId)) {
      scan.messages++;
      const attachments = await attachmentsOf(link, message);
      if (attachments === null) {
        pass(
          'a message whose attachments this bot cannot see (no Message Content intent, and not our webhook)',
        );
        continue;
      }
      for (const a of attachments) {
        if (named.has(a.id)) {
          scan.named++;
          continue;
        }
        const locator = formatLocator({
          channelId,
          messageId: message.id,
          attachmentId: a.id,
          filename: a.filename,
        });
        const identity = await identifyStored(master, {
          size: a.size,
          read: (range) => link.store.get(locator, range),
        });
        const at = snowflakeTime(message.id);
        if (identity.kind === 'foreign')
          pass(`an attachment that is not a format-2 object (${identity.reason})`);
        else if (identity.kind === 'damaged')
          pass(`an attachment whose trailer does not open (${identity.reason})`);
        else if (identity.driveId !== driveId) pass("another drive's object");
        else if (identity.kind === 'chunk') {
          const found = versionOf(scan, identity.versionId, identity.wrappedKey, 2);
          found.chunkSize = identity.chunkSize;
          found.final ??= identity.final;
          found.chunks.set(identity.index, {
            locator,
            plainSize: identity.plainSize,
            sealedSize: a.size,
            at,
          });
        } else {
          const size = identity.entries.reduce((sum, e) => sum + e.sealedSize, 0);
          for (const entry of identity.entries) {
            const found = versionOf(scan, entry.versionId, entry.wrappedKey, entry.format);
            found.chunkSize = chunkSize;
            found.final = { chunks: 1, fileSize: entry.plainSize, sha256: entry.sha256 };
            found.chunks.set(0, {
              locator,
              plainSize: entry.plainSize,
              sealedSize: entry.sealedSize,
              pack: { id: identity.packId, offset: entry.offset, size },
              at,
            });
          }
        }
      }
    }
  }
  return scan;
}

function versionOf(scan: ChannelScan, versionId: string, wrappedKey: Buffer, format: number): FoundVersion {
  let found = scan.versions.get(versionId);
  if (!found) {
    found = { versionId, chunks: new Map(), final: null, chunkSize: null, wrappedKey, format };
    scan.versions.set(versionId, found);
  }
  return found;
}

async function* channelMessages(link: DiscordLink, channelId: string): AsyncGenerator<DiscordMessage> {
  let before: string | undefined;
  for (;;) {
    const res = await link.scheduler.bot(
      'scanning stored messages',
      `messages:channel:${channelId}`,
      (bot) => ({
        method: 'GET',
        path: `/channels/${channelId}/messages?limit=100${before ? `&before=${before}` : ''}`,
        authorization: `Bot ${bot.token}`,
      }),
    );
    const page = res.json as DiscordMessage[];
    yield* page;
    if (page.length < 100) return;
    before = page[page.length - 1]!.id;
  }
}

/** A message's attachments as Discord shows them to us; null when they cannot be seen. */
async function attachmentsOf(
  link: DiscordLink,
  message: DiscordMessage,
): Promise<DiscordAttachment[] | null> {
  if (message.attachments.length > 0 || message.webhook_id === undefined) return message.attachments;
  const whole = (await link.scheduler.webhookMessage(message.webhook_id, message.id)) as
    DiscordMessage | undefined;
  return whole ? whole.attachments : null;
}
