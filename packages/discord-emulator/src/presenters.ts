import type { FastifyRequest } from 'fastify';
import type { EmulatorContext } from './emulator-context.js';
import type { Attachment, BotUser, Channel, Message, Webhook } from './emulator-state.js';

/** Where this emulator is reachable from the caller's point of view. */
export function requestBaseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export function attachmentPath(a: Pick<Attachment, 'channelId' | 'id' | 'filename'>): string {
  return `/attachments/${a.channelId}/${a.id}/${encodeURIComponent(a.filename)}`;
}

export function signedAttachmentUrl(ctx: EmulatorContext, base: string, a: Attachment): string {
  const path = attachmentPath(a);
  return `${base}${path}?${ctx.signer.sign(path, ctx.clock.now(), ctx.limits.cdn.urlLifetimeMs)}`;
}

export function presentUser(bot: BotUser): Record<string, unknown> {
  return {
    id: bot.id,
    username: bot.username,
    discriminator: '0',
    global_name: null,
    avatar: null,
    bot: true,
    public_flags: 0,
    flags: 0,
  };
}

export function presentAttachment(ctx: EmulatorContext, request: FastifyRequest, a: Attachment) {
  const base = ctx.cdnBaseUrl ?? requestBaseUrl(request);
  const path = attachmentPath(a);
  const query = ctx.signer.sign(path, ctx.clock.now(), ctx.limits.cdn.urlLifetimeMs);
  return {
    id: a.id,
    filename: a.filename,
    ...(a.title !== undefined ? { title: a.title } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
    size: a.size,
    url: `${base}${path}?${query}`,
    proxy_url: `${ctx.mediaBaseUrl ?? base}${path}?${query}`,
    content_type: a.contentType,
  };
}

/**
 * A message as Discord returns it. `viewer` is the bot reading it (bot routes; webhook routes read
 * their own messages in full). A bot without the Message Content intent gets content, attachments,
 * embeds and components blanked, except in messages it sent itself or that mention it [doc].
 */
export function presentMessage(
  ctx: EmulatorContext,
  request: FastifyRequest,
  message: Message,
  viewer?: BotUser,
): Record<string, unknown> {
  const blank = viewer !== undefined && !viewer.messageContent && !contentVisibleTo(message, viewer);
  let author: Record<string, unknown>;
  if (message.author.kind === 'webhook') {
    author = {
      id: message.author.webhookId,
      username: message.author.username,
      avatar: message.author.avatar,
      discriminator: '0000',
      public_flags: 0,
      flags: 0,
      bot: true,
      global_name: null,
    };
  } else {
    const bot = ctx.state.bots.get(message.author.userId);
    author = bot
      ? presentUser(bot)
      : { id: message.author.userId, username: 'deleted', discriminator: '0', bot: true };
  }
  return {
    type: 0,
    content: blank ? '' : message.content,
    mentions: [],
    mention_roles: [],
    attachments: blank ? [] : message.attachments.map((a) => presentAttachment(ctx, request, a)),
    embeds: blank ? [] : message.embeds,
    timestamp: isoTimestamp(message.timestampMs),
    edited_timestamp: message.editedTimestampMs === null ? null : isoTimestamp(message.editedTimestampMs),
    flags: message.flags,
    components: blank ? [] : message.components,
    id: message.id,
    channel_id: message.channelId,
    author,
    pinned: false,
    mention_everyone: false,
    tts: message.tts,
    ...(message.author.kind === 'webhook' ? { webhook_id: message.author.webhookId } : {}),
    ...(message.nonce !== undefined ? { nonce: message.nonce } : {}),
  };
}

/** The exemptions from the Message Content intent that the emulator has (it has no DMs). */
function contentVisibleTo(message: Message, bot: BotUser): boolean {
  if (message.author.kind === 'bot' && message.author.userId === bot.id) return true;
  return message.content.includes(`<@${bot.id}>`) || message.content.includes(`<@!${bot.id}>`);
}

/** Discord's timestamp format: microsecond precision and an explicit +00:00 offset. */
export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

export function presentChannel(channel: Channel): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type,
    last_message_id: channel.lastMessageId,
    flags: 0,
    guild_id: channel.guildId,
    name: channel.name,
    parent_id: channel.parentId,
    rate_limit_per_user: 0,
    topic: channel.topic,
    position: channel.position,
    permission_overwrites: [],
    nsfw: false,
  };
}

/** A webhook; `withToken` for its creator (bot routes) and for webhook-token routes' own reads. */
export function presentWebhook(ctx: EmulatorContext, webhook: Webhook, withToken: boolean, withUser = true) {
  const creator = webhook.creatorId ? ctx.state.bots.get(webhook.creatorId) : undefined;
  return {
    application_id: null,
    avatar: webhook.avatar,
    channel_id: webhook.channelId,
    guild_id: webhook.guildId,
    id: webhook.id,
    name: webhook.name,
    type: 1,
    ...(withUser && creator ? { user: presentUser(creator) } : {}),
    ...(withToken ? { token: webhook.token } : {}),
  };
}
