import type { EmulatorContext } from './emulator-context.js';
import type { FaultRule, FaultSpec } from './fault-injector.js';
import { mergeLimits, type DeepPartial, type EmulatorLimits } from './limits.js';
import { parsePermissions, type PermissionName } from './permissions.js';
import type { ChannelSlots } from './slot-ledger.js';

export interface SeedRequest {
  /** Seed into this existing guild instead of creating one. */
  guildId?: string;
  guildName?: string;
  /** Text channels to create (names). */
  channels?: string[];
  /** Webhooks to create in each seeded channel (owned by the first bot). */
  webhooksPerChannel?: number;
  /** `messageContent`: whether the bot has the Message Content intent (default false, as on Discord). */
  bots?: { username?: string; permissions?: string | number | PermissionName[]; messageContent?: boolean }[];
}

export interface SeedResult {
  guild: { id: string; name: string };
  bots: { id: string; username: string; token: string; permissions: string; messageContent: boolean }[];
  channels: { id: string; name: string; webhooks: { id: string; token: string; path: string }[] }[];
}

export interface EmulatorStatsSnapshot {
  requests: Record<string, Record<string, number>>;
  rateLimited: { user: number; global: number; shared: number };
  invalidRequests: number;
  bans: number;
  bannedRequests: number;
  faultsInjected: Record<string, number>;
  largestRequestBytes: number;
  messages: number;
  attachments: number;
  attachmentBytes: number;
  /**
   * Per channel: messages and attachments stored, and how its webhooks used their message slots in
   * windows that have closed (unused ones by why; see SlotLedger).
   */
  channels: Record<string, ChannelSlots & { messages: number; attachments: number }>;
}

/** The test side channel (not Discord's): reset, seed, clock, limits, faults, damage, stats. */
export class EmulatorControl {
  private readonly initialLimits: EmulatorLimits;

  constructor(private readonly ctx: EmulatorContext) {
    this.initialLimits = structuredClone(ctx.limits);
  }

  /** Forgets every object, counter, fault and ban, and restores the limits the emulator started with. */
  reset(): void {
    const { ctx } = this;
    ctx.state.clear();
    ctx.limiter.clear();
    ctx.slots.clear();
    ctx.invalid.clear();
    ctx.faults.clear();
    ctx.stats.clear();
    mergeLimits(ctx.limits, structuredClone(this.initialLimits));
  }

  seed(request: SeedRequest = {}): SeedResult {
    const { state } = this.ctx;
    let guild = request.guildId ? state.guilds.get(request.guildId) : undefined;
    if (request.guildId && !guild) throw new Error(`no guild ${request.guildId}`);
    guild ??= state.createGuild(request.guildName ?? 'I Drive storage');
    const bots = (request.bots ?? [{}]).map((b, i) =>
      state.createBot(
        b.username ?? `idrive-bot-${i + 1}`,
        parsePermissions(b.permissions),
        [guild.id],
        b.messageContent ?? false,
      ),
    );
    const channels = (request.channels ?? []).map((name) => {
      const channel = state.createChannel(guild, { name });
      const webhooks = Array.from({ length: request.webhooksPerChannel ?? 0 }, (_, i) => {
        const w = state.createWebhook(channel, `idrive-${i + 1}`, null, bots[0]?.id ?? null);
        return { id: w.id, token: w.token, path: `/api/v10/webhooks/${w.id}/${w.token}` };
      });
      return { id: channel.id, name: channel.name, webhooks };
    });
    return {
      guild: { id: guild.id, name: guild.name },
      bots: bots.map((b) => ({
        id: b.id,
        username: b.username,
        token: b.token,
        permissions: b.permissions.toString(),
        messageContent: b.messageContent,
      })),
      channels,
    };
  }

  now(): number {
    return this.ctx.clock.now();
  }

  advance(ms: number): number {
    return this.ctx.clock.advance(ms);
  }

  setNow(ms: number): number {
    return this.ctx.clock.set(ms);
  }

  setTimeScale(scale: number): void {
    this.ctx.clock.setTimeScale(scale);
  }

  clockInfo(): { now: number; iso: string; timeScale: number } {
    const now = this.ctx.clock.now();
    return { now, iso: new Date(now).toISOString(), timeScale: this.ctx.clock.timeScale };
  }

  get limits(): EmulatorLimits {
    return this.ctx.limits;
  }

  setLimits(patch: DeepPartial<EmulatorLimits>): EmulatorLimits {
    return mergeLimits(this.ctx.limits, patch);
  }

  injectFault(spec: FaultSpec): FaultRule {
    return this.ctx.faults.add(spec);
  }

  faults(): FaultRule[] {
    return this.ctx.faults.list();
  }

  clearFaults(): void {
    this.ctx.faults.clear();
  }

  /**
   * Deletes every message of a channel, as a moderator clearing it would: the messages answer
   * Unknown Message from then on and their attachments' CDN URLs 404. Returns how many went.
   */
  purgeChannel(channelId: string): number {
    const channel = this.ctx.state.channels.get(channelId);
    if (!channel) throw new Error(`no channel ${channelId}`);
    const messages = [...channel.messages.values()];
    for (const message of messages) this.ctx.state.deleteMessage(message);
    return messages.length;
  }

  hasAttachment(attachmentId: string): boolean {
    return this.ctx.state.attachments.has(attachmentId);
  }

  /**
   * Flips one byte of a stored attachment, damage Discord would not tell of: the CDN serves the
   * changed bytes with a 200. The attachment gets bytes of its own first, since it may be a view
   * into a request body that other attachments share.
   */
  corruptAttachment(attachmentId: string, offset?: number): { offset: number } {
    const attachment = this.ctx.state.attachments.get(attachmentId);
    if (!attachment) throw new Error(`no attachment ${attachmentId}`);
    if (attachment.size === 0) throw new Error(`attachment ${attachmentId} is empty`);
    const at = offset ?? Math.floor(attachment.size / 2);
    if (!Number.isInteger(at) || at < 0 || at >= attachment.size) {
      throw new Error(`offset ${at} is outside the ${attachment.size}-byte attachment`);
    }
    attachment.data = Buffer.from(attachment.data);
    attachment.data[at] = attachment.data[at]! ^ 0xff;
    return { offset: at };
  }

  stats(): EmulatorStatsSnapshot {
    const { stats, state, invalid, faults, limiter, slots } = this.ctx;
    limiter.settle();
    const used = slots.report();
    const channels: EmulatorStatsSnapshot['channels'] = {};
    for (const channel of state.channels.values()) {
      const messages = [...channel.messages.values()];
      const ledger = used[channel.id];
      if (messages.length === 0 && !ledger) continue;
      channels[channel.id] = {
        messages: messages.length,
        attachments: messages.reduce((sum, m) => sum + m.attachments.length, 0),
        ...(ledger ?? { used: 0, unused: { idle: 0, backoff: 0, channelFull: 0 } }),
      };
    }
    return {
      requests: stats.requestsJson(),
      rateLimited: { ...stats.rateLimited },
      invalidRequests: invalid.total,
      bans: stats.bans,
      bannedRequests: stats.bannedRequests,
      faultsInjected: { ...faults.injected },
      largestRequestBytes: stats.largestRequestBytes,
      messages: state.messages.size,
      attachments: state.attachments.size,
      attachmentBytes: state.attachmentBytes,
      channels,
    };
  }
}
