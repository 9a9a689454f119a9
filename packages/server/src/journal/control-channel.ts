import type { DiscordScheduler } from '../storage/discord/discord-scheduler.js';
import {
  formatLocator,
  type DiscordAttachment,
  type DiscordMessage,
} from '../storage/discord/discord-types.js';
import type { DiscordChunkStore } from '../storage/discord/discord.store.js';
import { MultipartBody } from '../storage/discord/multipart.js';
import type { AttachmentRef } from './superblock.js';

/** What marks the control channel's topic, with the drive's id after it. */
const TOPIC_MARK = 'idrive-drive=';

/** The control channel's topic: for people, and for a restore to find the channel by. */
export function controlTopic(driveId: string): string {
  return `I Drive keeps this drive's encrypted journal and checkpoints here. Do not post or delete messages. ${TOPIC_MARK}${driveId}`;
}

/** The drive whose control channel has this topic, or null. */
export function driveOfTopic(topic: string | null | undefined): string | null {
  const match = new RegExp(`${TOPIC_MARK}([0-9a-f-]{36})`).exec(topic ?? '');
  return match ? match[1]! : null;
}

/** What a message of the control channel is, from its text (the attachments say it again, sealed). */
export type ControlMessage =
  | { kind: 'journal'; message: DiscordMessage; first: number; last: number }
  | { kind: 'checkpoint'; message: DiscordMessage; blobId: string }
  | { kind: 'superblock'; message: DiscordMessage }
  | { kind: 'other'; message: DiscordMessage };

const NOTE = '(encrypted; do not delete)';
export const journalText = (first: number, last: number) =>
  `I Drive journal: records ${first}-${last} ${NOTE}`;
export const checkpointText = (blobId: string, from: number, to: number, of: number) =>
  `I Drive checkpoint ${blobId}: chunks ${from}-${to} of ${of} ${NOTE}`;
export const superblockText = (driveId: string, through: number) =>
  `I Drive superblock: drive ${driveId}, checkpoint through record ${through} ${NOTE}`;

export function classify(message: DiscordMessage): ControlMessage {
  const text = message.content ?? '';
  const journal = /^I Drive journal: records (\d+)-(\d+) /.exec(text);
  if (journal) return { kind: 'journal', message, first: Number(journal[1]), last: Number(journal[2]) };
  const checkpoint = /^I Drive checkpoint ([0-9a-f-]{36}): /.exec(text);
  if (checkpoint) return { kind: 'checkpoint', message, blobId: checkpoint[1]! };
  if (text.startsWith('I Drive superblock: ')) return { kind: 'superblock', message };
  return { kind: 'other', message };
}

/** A message's attachments as references, in the order of the index at the end of their names. */
export function attachmentsOf(message: DiscordMessage): AttachmentRef[] {
  const index = (name: string) => Number(/-(\d+)\.bin$/.exec(name)?.[1] ?? 0);
  return [...message.attachments]
    .sort((a: DiscordAttachment, b: DiscordAttachment) => index(a.filename) - index(b.filename))
    .map((a) => ({
      channelId: message.channel_id,
      messageId: message.id,
      attachmentId: a.id,
      filename: a.filename,
    }));
}

/**
 * The drive's control channel: messages the bot posts (a bot always reads its own messages whole,
 * with or without the Message Content intent), through the scheduler like every other request, and
 * attachments read through the chunk store's CDN path (signed URLs, refreshes, retries).
 */
export class ControlChannel {
  constructor(
    private readonly scheduler: DiscordScheduler,
    private readonly store: DiscordChunkStore,
    readonly channelId: string,
  ) {}

  /**
   * Posts a message with attachments. The nonce, enforced, makes a resend of the same message
   * within Discord's few minutes return the first one instead of a second copy.
   */
  async post(
    content: string,
    files: { filename: string; data: Buffer }[],
    nonce: string,
  ): Promise<DiscordMessage> {
    const payload = {
      content,
      nonce,
      enforce_nonce: true,
      attachments: files.map((f, i) => ({ id: i, filename: f.filename })),
    };
    const res = await this.scheduler.bot(
      'writing the metadata journal',
      `create-message:channel:${this.channelId}`,
      (bot) => ({
        method: 'POST',
        path: `/channels/${this.channelId}/messages`,
        authorization: `Bot ${bot.token}`,
        body: () =>
          new MultipartBody(
            [{ name: 'payload_json', value: JSON.stringify(payload) }],
            files.map((f, i) => ({ field: `files[${i}]`, filename: f.filename, data: f.data })),
          ),
      }),
    );
    const message = res.json as DiscordMessage;
    const stored = files.every((f) =>
      message.attachments?.some((a) => a.filename === f.filename && a.size === f.data.length),
    );
    if (!stored) throw new Error('Discord did not store every attachment of a journal message');
    return message;
  }

  /** Up to 100 messages older than `before` (or the newest), newest first. */
  async page(before?: string): Promise<DiscordMessage[]> {
    const res = await this.scheduler.bot(
      'reading the metadata journal',
      `messages:channel:${this.channelId}`,
      (bot) => ({
        method: 'GET',
        path: `/channels/${this.channelId}/messages?limit=100${before ? `&before=${before}` : ''}`,
        authorization: `Bot ${bot.token}`,
      }),
    );
    return res.json as DiscordMessage[];
  }

  /** Every message, newest first, a page at a time as they are asked for. */
  async *history(): AsyncGenerator<DiscordMessage> {
    let before: string | undefined;
    for (;;) {
      const page = await this.page(before);
      yield* page;
      if (page.length < 100) return;
      before = page[page.length - 1]!.id;
    }
  }

  /** An attachment's bytes. */
  read(ref: AttachmentRef): Promise<Buffer> {
    return this.store.get(formatLocator(ref));
  }

  /** Every attachment of a message, in index order. */
  readAll(message: DiscordMessage): Promise<Buffer[]> {
    return Promise.all(attachmentsOf(message).map((ref) => this.read(ref)));
  }
}
