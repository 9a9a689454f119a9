import { randomBytes } from 'node:crypto';
import type { SnowflakeGenerator } from './snowflake.js';

export interface Guild {
  id: string;
  name: string;
  channelIds: Set<string>;
  webhookCount: number;
}

export interface Channel {
  id: string;
  guildId: string;
  name: string;
  type: number;
  position: number;
  parentId: string | null;
  topic: string | null;
  lastMessageId: string | null;
  /** Insertion order is id order, since ids only grow. */
  messages: Map<string, Message>;
  webhookIds: Set<string>;
}

export interface BotUser {
  id: string;
  username: string;
  token: string;
  permissions: bigint;
  guildIds: Set<string>;
  /**
   * The privileged Message Content intent. Off (Discord's default for a new app), reads of messages
   * the bot did not send and that do not mention it come back without content or attachments.
   */
  messageContent: boolean;
}

export interface Webhook {
  id: string;
  token: string;
  guildId: string;
  channelId: string;
  name: string;
  avatar: string | null;
  /** The bot that created it, shown as the webhook's `user`. */
  creatorId: string | null;
}

export type MessageAuthor =
  | { kind: 'webhook'; webhookId: string; username: string; avatar: string | null }
  | { kind: 'bot'; userId: string };

export interface Attachment {
  id: string;
  channelId: string;
  messageId: string;
  filename: string;
  title?: string;
  description?: string;
  contentType: string;
  size: number;
  /** The only copy of the bytes; a view into the upload's buffer. */
  data: Buffer;
}

export interface Message {
  id: string;
  channelId: string;
  guildId: string;
  author: MessageAuthor;
  content: string;
  timestampMs: number;
  editedTimestampMs: number | null;
  tts: boolean;
  flags: number;
  embeds: unknown[];
  components: unknown[];
  attachments: Attachment[];
  nonce?: string | number;
}

/** Everything the emulated Discord knows, in memory. Plain maps: tests reach in when they need to. */
export class EmulatorState {
  readonly guilds = new Map<string, Guild>();
  readonly channels = new Map<string, Channel>();
  readonly bots = new Map<string, BotUser>();
  readonly botsByToken = new Map<string, BotUser>();
  readonly webhooks = new Map<string, Webhook>();
  readonly messages = new Map<string, Message>();
  readonly attachments = new Map<string, Attachment>();
  /** `${channelId}:${authorId}:${nonce}` → message id and when it was sent, for `enforce_nonce`. */
  readonly nonces = new Map<string, { messageId: string; atMs: number }>();
  attachmentBytes = 0;

  constructor(private readonly ids: SnowflakeGenerator) {}

  clear(): void {
    this.guilds.clear();
    this.channels.clear();
    this.bots.clear();
    this.botsByToken.clear();
    this.webhooks.clear();
    this.messages.clear();
    this.attachments.clear();
    this.nonces.clear();
    this.attachmentBytes = 0;
  }

  newId(): string {
    return this.ids.next();
  }

  createGuild(name: string): Guild {
    const guild: Guild = { id: this.newId(), name, channelIds: new Set(), webhookCount: 0 };
    this.guilds.set(guild.id, guild);
    return guild;
  }

  createBot(username: string, permissions: bigint, guildIds: string[], messageContent = false): BotUser {
    const id = this.newId();
    // Shaped like a real token: base64 user id, a timestamp part and an HMAC-looking part.
    const token = `${Buffer.from(id).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
    const bot: BotUser = { id, username, token, permissions, guildIds: new Set(guildIds), messageContent };
    this.bots.set(id, bot);
    this.botsByToken.set(token, bot);
    return bot;
  }

  createChannel(
    guild: Guild,
    fields: { name: string; type?: number; parentId?: string | null; topic?: string | null },
  ): Channel {
    const channel: Channel = {
      id: this.newId(),
      guildId: guild.id,
      name: fields.name,
      type: fields.type ?? 0,
      position: guild.channelIds.size,
      parentId: fields.parentId ?? null,
      topic: fields.topic ?? null,
      lastMessageId: null,
      messages: new Map(),
      webhookIds: new Set(),
    };
    this.channels.set(channel.id, channel);
    guild.channelIds.add(channel.id);
    return channel;
  }

  createWebhook(channel: Channel, name: string, avatar: string | null, creatorId: string | null): Webhook {
    const webhook: Webhook = {
      id: this.newId(),
      token: randomBytes(51).toString('base64url').slice(0, 68),
      guildId: channel.guildId,
      channelId: channel.id,
      name,
      avatar,
      creatorId,
    };
    this.webhooks.set(webhook.id, webhook);
    channel.webhookIds.add(webhook.id);
    const guild = this.guilds.get(channel.guildId);
    if (guild) guild.webhookCount += 1;
    return webhook;
  }

  deleteWebhook(webhook: Webhook): void {
    this.webhooks.delete(webhook.id);
    this.channels.get(webhook.channelId)?.webhookIds.delete(webhook.id);
    const guild = this.guilds.get(webhook.guildId);
    if (guild) guild.webhookCount -= 1;
  }

  /** A channel goes with its messages and webhooks, as on Discord. */
  deleteChannel(channel: Channel): void {
    for (const message of [...channel.messages.values()]) this.deleteMessage(message);
    for (const id of [...channel.webhookIds]) {
      const webhook = this.webhooks.get(id);
      if (webhook) this.deleteWebhook(webhook);
    }
    this.channels.delete(channel.id);
    this.guilds.get(channel.guildId)?.channelIds.delete(channel.id);
  }

  addMessage(channel: Channel, message: Message): void {
    channel.messages.set(message.id, message);
    channel.lastMessageId = message.id;
    this.messages.set(message.id, message);
    for (const attachment of message.attachments) this.addAttachment(attachment);
  }

  addAttachment(attachment: Attachment): void {
    this.attachments.set(attachment.id, attachment);
    this.attachmentBytes += attachment.size;
  }

  removeAttachment(attachment: Attachment): void {
    if (this.attachments.delete(attachment.id)) this.attachmentBytes -= attachment.size;
  }

  deleteMessage(message: Message): void {
    this.messages.delete(message.id);
    this.channels.get(message.channelId)?.messages.delete(message.id);
    for (const attachment of message.attachments) this.removeAttachment(attachment);
  }
}
