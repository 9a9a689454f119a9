import type { FastifyInstance } from 'fastify';
import {
  invalidFormBody,
  maxChannels,
  missingAccess,
  unknownChannel,
  unknownGuild,
} from '../discord-error.js';
import type { EmulatorContext } from '../emulator-context.js';
import type { BotUser, Guild } from '../emulator-state.js';
import { Permission } from '../permissions.js';
import { presentChannel, presentWebhook } from '../presenters.js';
import { body, requireBot, requirePermission, takeBucket } from '../route-helpers.js';

interface GuildParams {
  guildId: string;
}

/** Channel types a bot may create here: text, category, announcement, forum [doc]. */
const CREATABLE_TYPES = new Set([0, 4, 5, 15]);
const CATEGORY_CAPACITY = 50;

function requireGuild(ctx: EmulatorContext, bot: BotUser, guildId: string): Guild {
  const guild = ctx.state.guilds.get(guildId);
  if (!guild) throw unknownGuild();
  if (!bot.guildIds.has(guild.id)) throw missingAccess();
  return guild;
}

/** Bot routes under `/guilds/{guild.id}`. */
export function guildRoutes(ctx: EmulatorContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: GuildParams }>('/guilds/:guildId/channels', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.guildId);
      const guild = requireGuild(ctx, bot, request.params.guildId);
      return [...guild.channelIds].map((id) => presentChannel(ctx.state.channels.get(id)!));
    });

    app.post<{ Params: GuildParams }>('/guilds/:guildId/channels', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.guildId);
      const guild = requireGuild(ctx, bot, request.params.guildId);
      requirePermission(bot, Permission.MANAGE_CHANNELS);
      const payload = body(request).payload;
      const { name, topic } = payload;
      if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
        throw invalidFormBody('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      }
      // A text channel's topic is at most 1024 characters [doc] (a forum's 4096, not emulated).
      if (topic !== undefined && topic !== null && (typeof topic !== 'string' || topic.length > 1024)) {
        throw invalidFormBody('topic', 'BASE_TYPE_BAD_LENGTH', 'Must be between 0 and 1024 in length.');
      }
      const type = payload.type === undefined || payload.type === null ? 0 : Number(payload.type);
      if (!CREATABLE_TYPES.has(type)) {
        throw invalidFormBody('type', 'BASE_TYPE_CHOICES', `Value must be one of {0, 4, 5, 15}.`);
      }
      let parentId: string | null = null;
      if (typeof payload.parent_id === 'string') {
        const parent = ctx.state.channels.get(payload.parent_id);
        if (!parent || parent.guildId !== guild.id || parent.type !== 4) throw unknownChannel();
        const children = [...guild.channelIds].filter(
          (id) => ctx.state.channels.get(id)?.parentId === parent.id,
        );
        if (children.length >= CATEGORY_CAPACITY) {
          throw invalidFormBody(
            'parent_id',
            'CHANNEL_PARENT_MAX_CHANNELS',
            'Maximum number of channels in category reached (50)',
          );
        }
        parentId = parent.id;
      }
      if (guild.channelIds.size >= ctx.limits.maxChannelsPerGuild) {
        throw maxChannels(ctx.limits.maxChannelsPerGuild);
      }
      // Discord lower-cases text channel names and turns spaces into dashes.
      const cleanName = type === 0 ? name.toLowerCase().replace(/\s+/g, '-') : name;
      const channel = ctx.state.createChannel(guild, {
        name: cleanName,
        type,
        parentId,
        topic: typeof topic === 'string' ? topic : null,
      });
      return reply.code(201).send(presentChannel(channel));
    });

    app.get<{ Params: GuildParams }>('/guilds/:guildId/webhooks', async (request, reply) => {
      const bot = requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'default', request.params.guildId);
      const guild = requireGuild(ctx, bot, request.params.guildId);
      requirePermission(bot, Permission.MANAGE_WEBHOOKS);
      return [...ctx.state.webhooks.values()]
        .filter((w) => w.guildId === guild.id)
        .map((w) => presentWebhook(ctx, w, true));
    });
  };
}
