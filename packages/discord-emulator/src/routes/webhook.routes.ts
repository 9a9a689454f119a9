import type { FastifyInstance } from 'fastify';
import { invalidFormBody, unknownMessage, unknownWebhook } from '../discord-error.js';
import type { EmulatorContext } from '../emulator-context.js';
import { buildMessage, applyEdit } from '../message-builder.js';
import { deleteBucket } from '../message-buckets.js';
import { Permission } from '../permissions.js';
import { presentMessage, presentWebhook } from '../presenters.js';
import {
  body,
  booleanQuery,
  rateLimitCaller,
  requireBot,
  requirePermission,
  requireWebhookToken,
  takeBucket,
  type WebhookParams,
  type WebhookTokenParams,
} from '../route-helpers.js';

interface WebhookMessageParams extends WebhookTokenParams {
  messageId: string;
}

/** Webhook names: 1–80 characters, never containing "clyde" or "discord" [doc]. */
export function checkWebhookName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 80) {
    throw invalidFormBody(field, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 80 in length.');
  }
  if (/clyde|discord/i.test(name)) {
    throw invalidFormBody(
      field,
      'USERNAME_INVALID_CONTAINS',
      `Username cannot contain "${/clyde/i.test(name) ? 'clyde' : 'discord'}"`,
    );
  }
  return name;
}

/** Routes answered with a webhook's token (no Authorization needed), plus the bot's webhook reads. */
export function webhookRoutes(ctx: EmulatorContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post<{ Params: WebhookTokenParams; Querystring: { wait?: string } }>(
      '/webhooks/:webhookId/:token',
      async (request, reply) => {
        const webhook = requireWebhookToken(ctx, request.params);
        const wait = booleanQuery(request.query.wait, 'wait', false);
        const caller = rateLimitCaller(request);
        // Both limits must pass before either is used: a shared 429 leaves the webhook's bucket as it was.
        const routeHeaders = ctx.limiter.peek(caller, 'webhookExecute', webhook.id);
        ctx.limiter.takeShared(webhook.channelId, routeHeaders);
        takeBucket(ctx, request, reply, 'webhookExecute', webhook.id);

        const channel = ctx.state.channels.get(webhook.channelId);
        if (!channel) throw unknownWebhook();
        const parsed = body(request);
        const username =
          parsed.payload.username === undefined || parsed.payload.username === null
            ? webhook.name
            : checkWebhookName(parsed.payload.username, 'username');
        const avatarUrl = typeof parsed.payload.avatar_url === 'string' ? parsed.payload.avatar_url : null;
        const message = buildMessage(
          ctx,
          channel,
          { kind: 'webhook', webhookId: webhook.id, username, avatar: avatarUrl ?? webhook.avatar },
          parsed,
        );
        ctx.state.addMessage(channel, message);
        if (!wait) return reply.code(204).send();
        return presentMessage(ctx, request, message);
      },
    );

    const webhookMessage = (params: WebhookMessageParams) => {
      const webhook = requireWebhookToken(ctx, params);
      const message = ctx.state.messages.get(params.messageId);
      if (!message || message.author.kind !== 'webhook' || message.author.webhookId !== webhook.id) {
        throw unknownMessage();
      }
      return { webhook, message };
    };

    app.get<{ Params: WebhookMessageParams }>(
      '/webhooks/:webhookId/:token/messages/:messageId',
      async (request, reply) => {
        requireWebhookToken(ctx, request.params);
        takeBucket(ctx, request, reply, 'webhookMessage', request.params.webhookId);
        return presentMessage(ctx, request, webhookMessage(request.params).message);
      },
    );

    app.patch<{ Params: WebhookMessageParams }>(
      '/webhooks/:webhookId/:token/messages/:messageId',
      async (request, reply) => {
        requireWebhookToken(ctx, request.params);
        takeBucket(ctx, request, reply, 'webhookMessage', request.params.webhookId);
        const { message } = webhookMessage(request.params);
        applyEdit(ctx, message, body(request));
        return presentMessage(ctx, request, message);
      },
    );

    app.delete<{ Params: WebhookMessageParams }>(
      '/webhooks/:webhookId/:token/messages/:messageId',
      async (request, reply) => {
        requireWebhookToken(ctx, request.params);
        const found = ctx.state.messages.get(request.params.messageId);
        takeBucket(ctx, request, reply, deleteBucket(ctx, found), request.params.webhookId);
        const { message } = webhookMessage(request.params);
        ctx.state.deleteMessage(message);
        return reply.code(204).send();
      },
    );

    app.get<{ Params: WebhookTokenParams }>('/webhooks/:webhookId/:token', async (request, reply) => {
      const webhook = requireWebhookToken(ctx, request.params);
      takeBucket(ctx, request, reply, 'default', webhook.id);
      return presentWebhook(ctx, webhook, true, false);
    });

    app.delete<{ Params: WebhookTokenParams }>('/webhooks/:webhookId/:token', async (request, reply) => {
      const webhook = requireWebhookToken(ctx, request.params);
      takeBucket(ctx, request, reply, 'default', webhook.id);
      ctx.state.deleteWebhook(webhook);
      return reply.code(204).send();
    });

    const botWebhook = (params: WebhookParams, botGuilds: Set<string>) => {
      const webhook = ctx.state.webhooks.get(params.webhookId);
      if (!webhook || !botGuilds.has(webhook.guildId)) throw unknownWebhook();
      return webhook;
    };

    app.get<{ Params: WebhookParams }>('/webhooks/:webhookId', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.webhookId);
      requirePermission(bot, Permission.MANAGE_WEBHOOKS);
      return presentWebhook(ctx, botWebhook(request.params, bot.guildIds), true);
    });

    app.delete<{ Params: WebhookParams }>('/webhooks/:webhookId', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.webhookId);
      requirePermission(bot, Permission.MANAGE_WEBHOOKS);
      ctx.state.deleteWebhook(botWebhook(request.params, bot.guildIds));
      return reply.code(204).send();
    });
  };
}
