import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  missingAccess,
  missingPermissions,
  unauthorized,
  unknownChannel,
  unknownMessage,
  unknownWebhook,
  invalidWebhookToken,
  invalidFormBody,
} from './discord-error.js';
import type { EmulatorContext } from './emulator-context.js';
import type { BotUser, Channel, Message, Webhook } from './emulator-state.js';
import type { BucketName } from './limits.js';
import { hasPermission } from './permissions.js';
import { EMPTY_BODY, type ParsedBody } from './request-body.js';

export interface ChannelParams {
  channelId: string;
}
export interface MessageParams extends ChannelParams {
  messageId: string;
}
export interface WebhookParams {
  webhookId: string;
}
export interface WebhookTokenParams extends WebhookParams {
  token: string;
}

/** The bot behind `Authorization: Bot <token>`, or Discord's generic 401. */
export function requireBot(ctx: EmulatorContext, request: FastifyRequest): BotUser {
  const header = request.headers.authorization;
  const match = header ? /^Bot\s+(\S+)$/.exec(header) : null;
  const bot = match ? ctx.state.botsByToken.get(match[1]!) : undefined;
  if (!bot) throw unauthorized();
  return bot;
}

/** A channel the bot can see; unknown ids are 10003, channels of other guilds 50001. */
export function requireChannel(ctx: EmulatorContext, bot: BotUser, channelId: string): Channel {
  const channel = ctx.state.channels.get(channelId);
  if (!channel) throw unknownChannel();
  if (!bot.guildIds.has(channel.guildId)) throw missingAccess();
  return channel;
}

export function requirePermission(bot: BotUser, needed: bigint): void {
  if (!hasPermission(bot.permissions, needed)) throw missingPermissions();
}

export function requireMessage(channel: Channel, messageId: string): Message {
  const message = channel.messages.get(messageId);
  if (!message) throw unknownMessage();
  return message;
}

/** The webhook of a token route: unknown id is 404 / 10015, a wrong token 401 / 50027. */
export function requireWebhookToken(ctx: EmulatorContext, params: WebhookTokenParams): Webhook {
  const webhook = ctx.state.webhooks.get(params.webhookId);
  if (!webhook) throw unknownWebhook();
  if (webhook.token !== params.token) throw invalidWebhookToken();
  return webhook;
}

/** Who a request counts against for rate limits: its token, else its IP [doc]. */
export function rateLimitCaller(request: FastifyRequest): string {
  return request.headers.authorization ?? `ip:${request.ip}`;
}

/** Counts the request against a bucket and puts the X-RateLimit-* headers on the answer. */
export function takeBucket(
  ctx: EmulatorContext,
  request: FastifyRequest,
  reply: FastifyReply,
  bucket: BucketName,
  major: string,
): Record<string, string> {
  const headers = ctx.limiter.take(rateLimitCaller(request), bucket, major);
  reply.headers(headers);
  return headers;
}

export function body(request: FastifyRequest): ParsedBody {
  return (request.body as ParsedBody | undefined) ?? EMPTY_BODY;
}

/** Discord's boolean query strings: true/True/1 and false/False/0 [doc]. */
export function booleanQuery(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true' || value === 'True' || value === '1') return true;
  if (value === 'false' || value === 'False' || value === '0') return false;
  throw invalidFormBody(name, 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
}
