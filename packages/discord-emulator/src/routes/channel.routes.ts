import type { FastifyInstance } from 'fastify';
import {
  DiscordError,
  bulkDeleteCount,
  invalidFormBody,
  maxGuildWebhooks,
  maxWebhooks,
  messageTooOld,
  unknownMessage,
} from '../discord-error.js';
import type { EmulatorContext } from '../emulator-context.js';
import type { Message } from '../emulator-state.js';
import { applyEdit, buildMessage } from '../message-builder.js';
import { deleteBucket } from '../message-buckets.js';
import { Permission } from '../permissions.js';
import { presentChannel, presentMessage, presentWebhook } from '../presenters.js';
import {
  body,
  requireBot,
  requireChannel,
  requireMessage,
  requirePermission,
  takeBucket,
  type ChannelParams,
  type MessageParams,
} from '../route-helpers.js';
import { isSnowflake, snowflakeTimestamp } from '../snowflake.js';
import { checkWebhookName } from './webhook.routes.js';

interface ListQuery {
  limit?: string;
  before?: string;
  after?: string;
  around?: string;
}

/** Bot routes under `/channels/{channel.id}`. */
export function channelRoutes(ctx: EmulatorContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: ChannelParams }>('/channels/:channelId', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.channelId);
      const channel = requireChannel(ctx, bot, request.params.channelId);
      requirePermission(bot, Permission.VIEW_CHANNEL);
      return presentChannel(channel);
    });

    app.delete<{ Params: ChannelParams }>('/channels/:channelId', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.channelId);
      const channel = requireChannel(ctx, bot, request.params.channelId);
      requirePermission(bot, Permission.MANAGE_CHANNELS);
      const gone = presentChannel(channel);
      ctx.state.deleteChannel(channel);
      return gone;
    });

    app.get<{ Params: ChannelParams; Querystring: ListQuery }>(
      '/channels/:channelId/messages',
      async (request, reply) => {
        const bot = requireBot(ctx, request);
        takeBucket(ctx, request, reply, 'getMessage', request.params.channelId);
        const channel = requireChannel(ctx, bot, request.params.channelId);
        requirePermission(bot, Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY);
        const { before, after, around } = request.query;
        const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
          throw invalidFormBody('limit', 'NUMBER_TYPE_MAX', 'int value should be between 1 and 100.');
        }
        if ([before, after, around].filter((v) => v !== undefined).length > 1) {
          throw invalidFormBody(undefined, 'BASE_TYPE_INVALID', 'Only one of before, after, around.');
        }
        // Newest first, as Discord lists them.
        let list: Message[] = [...channel.messages.values()].reverse();
        const id = (v: string) => BigInt(isSnowflake(v) ? v : '0');
        if (before !== undefined) list = list.filter((m) => BigInt(m.id) < id(before)).slice(0, limit);
        else if (after !== undefined) {
          list = list.filter((m) => BigInt(m.id) > id(after)).slice(-limit);
        } else if (around !== undefined) {
          const older = list.filter((m) => BigInt(m.id) <= id(around)).slice(0, Math.ceil(limit / 2));
          const newer = list.filter((m) => BigInt(m.id) > id(around)).slice(-Math.floor(limit / 2));
          list = [...newer, ...older];
        } else list = list.slice(0, limit);
        return list.map((m) => presentMessage(ctx, request, m, bot));
      },
    );

    app.post<{ Params: ChannelParams }>('/channels/:channelId/messages', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'createMessage', request.params.channelId);
      const channel = requireChannel(ctx, bot, request.params.channelId);
      const parsed = body(request);
      requirePermission(
        bot,
        Permission.VIEW_CHANNEL |
          Permission.SEND_MESSAGES |
          (parsed.files.length > 0 ? Permission.ATTACH_FILES : 0n),
      );
      const { nonce, enforce_nonce: enforceNonce } = parsed.payload;
      if (nonce !== undefined && typeof nonce !== 'string' && typeof nonce !== 'number') {
        throw invalidFormBody('nonce', 'BASE_TYPE_STRING', 'Could not interpret value as string.');
      }
      if (typeof nonce === 'string' && nonce.length > 25) {
        throw invalidFormBody('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      }
      const nonceKey = nonce === undefined ? undefined : `${channel.id}:${bot.id}:${nonce}`;
      const enforce = enforceNonce === true || enforceNonce === 'true';
      if (nonceKey && enforce) {
        // A resend with the same nonce inside the window returns the earlier message [doc].
        const seen = ctx.state.nonces.get(nonceKey);
        const earlier = seen && ctx.state.messages.get(seen.messageId);
        if (seen && earlier && ctx.clock.now() - seen.atMs < ctx.limits.nonceWindowMs) {
          return presentMessage(ctx, request, earlier, bot);
        }
      }
      const message = buildMessage(ctx, channel, { kind: 'bot', userId: bot.id }, parsed);
      if (nonce !== undefined) message.nonce = nonce;
      ctx.state.addMessage(channel, message);
      if (nonceKey) ctx.state.nonces.set(nonceKey, { messageId: message.id, atMs: ctx.clock.now() });
      return presentMessage(ctx, request, message, bot);
    });

    app.post<{ Params: ChannelParams }>(
      '/channels/:channelId/messages/bulk-delete',
      async (request, reply) => {
        const bot = requireBot(ctx, request);
        const channel = requireChannel(ctx, bot, request.params.channelId);
        // Historically limited per guild [obs].
        takeBucket(ctx, request, reply, 'bulkDelete', channel.guildId);
        requirePermission(bot, Permission.MANAGE_MESSAGES);
        const ids = body(request).payload.messages;
        if (!Array.isArray(ids)) {
          throw invalidFormBody('messages', 'BASE_TYPE_REQUIRED', 'This field is required');
        }
        const { bulkDeleteMin: min, bulkDeleteMax: max } = ctx.limits;
        // Ids that do not exist still count toward these bounds [doc].
        if (ids.length < min || ids.length > max) throw bulkDeleteCount(min, max);
        ids.forEach((id, i) => {
          if (!isSnowflake(id)) {
            throw invalidFormBody(
              `messages.${i}`,
              'NUMBER_TYPE_COERCE',
              `Value "${String(id)}" is not snowflake.`,
            );
          }
        });
        if (new Set(ids).size !== ids.length) {
          throw invalidFormBody(
            'messages',
            'ARRAY_ITEM_VALUE_ALREADY_EXISTS',
            'The array item value already exists.',
          );
        }
        const cutoff = ctx.clock.now() - ctx.limits.bulkDeleteMaxAgeMs;
        if ((ids as string[]).some((id) => snowflakeTimestamp(id) < cutoff)) throw messageTooOld();
        for (const id of ids as string[]) {
          const message = channel.messages.get(id);
          if (message) ctx.state.deleteMessage(message);
        }
        return reply.code(204).send();
      },
    );

    app.get<{ Params: MessageParams }>('/channels/:channelId/messages/:messageId', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'getMessage', request.params.channelId);
      const channel = requireChannel(ctx, bot, request.params.channelId);
      requirePermission(bot, Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY);
      return presentMessage(ctx, request, requireMessage(channel, request.params.messageId), bot);
    });

    app.patch<{ Params: MessageParams }>(
      '/channels/:channelId/messages/:messageId',
      async (request, reply) => {
        const bot = requireBot(ctx, request);
        takeBucket(ctx, request, reply, 'editMessage', request.params.channelId);
        const channel = requireChannel(ctx, bot, request.params.channelId);
        const message = requireMessage(channel, request.params.messageId);
        if (message.author.kind !== 'bot' || message.author.userId !== bot.id) {
          throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
        }
        applyEdit(ctx, message, body(request));
        return presentMessage(ctx, request, message, bot);
      },
    );

    app.delete<{ Params: MessageParams }>(
      '/channels/:channelId/messages/:messageId',
      async (request, reply) => {
        const bot = requireBot(ctx, request);
        const found = ctx.state.channels
          .get(request.params.channelId)
          ?.messages.get(request.params.messageId);
        takeBucket(ctx, request, reply, deleteBucket(ctx, found), request.params.channelId);
        const channel = requireChannel(ctx, bot, request.params.channelId);
        const message = channel.messages.get(request.params.messageId);
        if (!message) throw unknownMessage();
        // Someone else's message (a webhook's included) needs MANAGE_MESSAGES [doc].
        if (message.author.kind !== 'bot' || message.author.userId !== bot.id) {
          requirePermission(bot, Permission.MANAGE_MESSAGES);
        }
        ctx.state.deleteMessage(message);
        return reply.code(204).send();
      },
    );

    app.get<{ Params: ChannelParams }>('/channels/:channelId/webhooks', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.channelId);
      const channel = requireChannel(ctx, bot, request.params.channelId);
      requirePermission(bot, Permission.MANAGE_WEBHOOKS);
      return [...channel.webhookIds].map((id) => presentWebhook(ctx, ctx.state.webhooks.get(id)!, true));
    });

    app.post<{ Params: ChannelParams }>('/channels/:channelId/webhooks', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'createWebhook', request.params.channelId);
      const channel = requireChannel(ctx, bot, request.params.channelId);
      requirePermission(bot, Permission.MANAGE_WEBHOOKS);
      const payload = body(request).payload;
      const name = checkWebhookName(payload.name, 'name');
      if (channel.webhookIds.size >= ctx.limits.maxWebhooksPerChannel) {
        throw maxWebhooks(ctx.limits.maxWebhooksPerChannel);
      }
      const guild = ctx.state.guilds.get(channel.guildId)!;
      if (guild.webhookCount >= ctx.limits.maxWebhooksPerGuild) {
        throw maxGuildWebhooks(ctx.limits.maxWebhooksPerGuild);
      }
      const avatar = typeof payload.avatar === 'string' ? 'a'.repeat(32) : null;
      return presentWebhook(ctx, ctx.state.createWebhook(channel, name, avatar, bot.id), true);
    });
  };
}
