import type { FastifyBaseLogger } from 'fastify';
import type { ConnectDiscordBody, StorageStatus } from '@idrive/shared';
import type { RedisLink } from '../cluster/redis-link.js';
import type { DiscordCredentialRow } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import { ADMINS_TOPIC } from '../events/topics.js';
import { AppError, conflict } from '../lib/app-error.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Repositories } from '../repositories/repositories.js';
import {
  createDiscordStore,
  type DiscordEndpoints,
  type DiscordStoreParts,
} from '../storage/discord/create-discord-store.js';
import { DiscordRequestError, DiscordUnavailableError } from '../storage/discord/discord-http.js';
import type { DiscordScheduler } from '../storage/discord/discord-scheduler.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import type { StorageCopiesService } from './storage-copies.service.js';

/** How often an instance of a cluster reads the quarantines and re-enables the others made. */
const QUARANTINE_SYNC_MS = 10_000;

interface Created {
  id: string;
  token?: string;
}

/**
 * Connecting Discord: checks a bot token and a guild, creates the storage channels and their
 * webhooks, keeps the tokens sealed in the database, and from then on sends new chunks to Discord
 * (files already on local disk stay readable there). Tokens never leave the server. A credential
 * Discord refuses is quarantined in the database; in a cluster (`redis`) the instances share
 * Discord's limits through Redis and read each other's quarantines from the database.
 */
export class DiscordService {
  private parts: (DiscordStoreParts & { guildId: string; channels: number }) | null = null;
  private syncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repos: Repositories,
    private readonly stores: StoreRegistry,
    /** Shown with the storage status: what the drive's stored chunks are bound to. */
    private readonly driveId: string,
    private readonly box: SecretBox,
    private readonly endpoints: DiscordEndpoints,
    private readonly chunkSize: number,
    private readonly log: FastifyBaseLogger,
    private readonly events: EventBus,
    private readonly copies: StorageCopiesService,
    private readonly redis?: RedisLink,
  ) {}

  /** On start: use the stored credentials, if Discord was connected before. */
  async resume(): Promise<void> {
    const rows = await this.repos.discordCredentials.list();
    if (rows.length > 0) await this.activate(rows);
  }

  async connect(body: ConnectDiscordBody): Promise<StorageStatus> {
    if (this.parts) throw conflict('Discord is already connected');
    // A scheduler with just this bot: setup goes through the same limits and retries as everything else.
    const { scheduler } = createDiscordStore({
      endpoints: this.endpoints,
      bots: [{ id: 'setup', token: body.botToken }],
      webhooks: [],
      chunkSize: this.chunkSize,
      log: this.log,
      redis: this.redis,
    });
    const call = async (what: string, method: 'GET' | 'POST', path: string, json?: object) => {
      try {
        const res = await scheduler.bot(what, `setup:${path}`, (bot) => ({
          method,
          path,
          authorization: `Bot ${bot.token}`,
          ...(json ? { body: () => json } : {}),
        }));
        return res.json as Created & Record<string, unknown>;
      } catch (err) {
        throw this.explain(err, scheduler, what);
      }
    };

    const bot = await call('checking the bot token', 'GET', '/users/@me');
    await call('reading the server', 'GET', `/guilds/${body.guildId}/channels`);
    const now = Date.now();
    const rows: DiscordCredentialRow[] = [this.row(bot.id, 'bot', body.guildId, null, body.botToken, now)];
    for (let i = 1; i <= body.channels; i++) {
      const channel = await call('creating a storage channel', 'POST', `/guilds/${body.guildId}/channels`, {
        name: `idrive-storage-${i}`,
        type: 0,
        topic: 'I Drive keeps encrypted file chunks here. Do not post or delete messages.',
      });
      for (let w = 1; w <= body.webhooksPerChannel; w++) {
        const webhook = await call('creating a webhook', 'POST', `/channels/${channel.id}/webhooks`, {
          name: `I Drive ${w}`,
        });
        if (!webhook.token) throw new AppError(502, 'internal', 'Discord created a webhook without a token');
        rows.push(this.row(webhook.id, 'webhook', body.guildId, channel.id, webhook.token, now));
      }
    }
    await this.repos.transaction((r) => r.discordCredentials.insertMany(rows));
    await this.activate(rows);
    this.announceHealth();
    this.log.info(
      { guildId: body.guildId, channels: body.channels },
      'Discord connected; new uploads go there',
    );
    return this.status();
  }

  async status(): Promise<StorageStatus> {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      driveId: this.driveId,
      writeTo: this.stores.current().name,
      discord: this.parts && {
        guildId: this.parts.guildId,
        channels: this.parts.channels,
        credentials: this.parts.scheduler.healthReport().map((h) => ({
          ...h,
          quarantined: h.quarantined && { reason: h.quarantined.reason, since: iso(h.quarantined.since)! },
          lastUsed: iso(h.lastUsed),
        })),
      },
      copies: await this.copies.summary(),
    };
  }

  /** Puts a quarantined credential back in use (for every instance: the database says so). */
  async reenable(id: string): Promise<StorageStatus> {
    const scheduler = this.parts?.scheduler;
    if (scheduler) await this.syncQuarantines(scheduler);
    if (!scheduler?.healthReport().some((h) => h.id === id && h.quarantined))
      throw new AppError(404, 'not_found', 'No quarantined Discord credential with that id');
    await this.repos.discordCredentials.setQuarantine(id, null);
    scheduler.reenable(id);
    this.announceHealth();
    return this.status();
  }

  /** Reads what other instances quarantined or re-enabled (the timer does this in a cluster). */
  async syncQuarantines(scheduler = this.parts?.scheduler): Promise<void> {
    await scheduler?.syncQuarantines(async () => quarantines(await this.repos.discordCredentials.list()));
  }

  close(): void {
    clearInterval(this.syncTimer);
  }

  /** Records a quarantine for the other instances; a database hiccup must not fail the upload. */
  private async quarantined(id: string, reason: string, since: number): Promise<void> {
    try {
      await this.repos.discordCredentials.setQuarantine(id, { reason, since });
    } catch (err) {
      this.log.error({ err, credential: id }, 'Could not record a quarantined Discord credential');
    }
    this.announceHealth();
  }

  /** Tells admins' pages the storage status changed (a credential, the copies, a scrub run). */
  announceHealth(): void {
    this.status().then(
      (storage) => this.events.publish([ADMINS_TOPIC], { type: 'storage.health', storage }),
      (err: unknown) => this.log.error({ err }, 'Could not read the storage status to announce it'),
    );
  }

  private async activate(rows: DiscordCredentialRow[]): Promise<void> {
    const open = (row: DiscordCredentialRow) => this.box.open(row.sealed_token, row.id);
    const webhooks = rows
      .filter((r) => r.kind === 'webhook')
      .map((r) => ({ id: r.id, token: open(r), channelId: r.channel_id! }));
    const parts = createDiscordStore({
      endpoints: this.endpoints,
      bots: rows.filter((r) => r.kind === 'bot').map((r) => ({ id: r.id, token: open(r) })),
      webhooks,
      chunkSize: this.chunkSize,
      log: this.log,
      onQuarantine: (id, reason, since) => this.quarantined(id, reason, since),
      redis: this.redis,
    });
    await parts.scheduler.syncQuarantines(async () => quarantines(rows));
    this.parts = {
      ...parts,
      guildId: rows[0]!.guild_id,
      channels: new Set(webhooks.map((w) => w.channelId)).size,
    };
    this.stores.writeToStore(parts.store);
    if (this.redis) {
      this.syncTimer = setInterval(() => {
        this.syncQuarantines().catch((err: unknown) =>
          this.log.warn({ err }, 'Could not read Discord credential quarantines'),
        );
      }, QUARANTINE_SYNC_MS);
      this.syncTimer.unref();
    }
  }

  private row(
    id: string,
    kind: DiscordCredentialRow['kind'],
    guildId: string,
    channelId: string | null,
    token: string,
    now: number,
  ): DiscordCredentialRow {
    return {
      id,
      kind,
      guild_id: guildId,
      channel_id: channelId,
      sealed_token: this.box.seal(token, id),
      created_at: now,
      quarantine_reason: null,
      quarantined_at: null,
    };
  }

  /** What went wrong during setup, in words an admin can act on. */
  private explain(err: unknown, scheduler: DiscordScheduler, what: string): AppError {
    const quarantine = scheduler.healthReport()[0]?.quarantined;
    if (err instanceof DiscordUnavailableError && quarantine) {
      return new AppError(
        400,
        'bad_request',
        `Discord refused the bot while ${what}: ${quarantine.reason}. Check the token, that the bot is in the server, and that it has Manage Channels, Manage Webhooks, Manage Messages and Read Message History.`,
      );
    }
    if (err instanceof DiscordRequestError && err.status < 500) {
      return new AppError(400, 'bad_request', `${err.message} (while ${what})`);
    }
    return new AppError(
      502,
      'internal',
      `Discord could not be reached while ${what}: ${(err as Error).message}`,
    );
  }
}

function quarantines(rows: DiscordCredentialRow[]): Map<string, { reason: string; since: number } | null> {
  return new Map(
    rows.map((r) => [
      r.id,
      r.quarantine_reason === null ? null : { reason: r.quarantine_reason, since: Number(r.quarantined_at) },
    ]),
  );
}
