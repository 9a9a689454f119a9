import type { FastifyBaseLogger } from 'fastify';
import {
  DiscordRequestError,
  DiscordUnavailableError,
  type DiscordTransport,
  type DiscordRequest,
  type DiscordResponse,
} from './discord-http.js';
import type { BotCredential, DiscordErrorBody, WebhookCredential } from './discord-types.js';
import type { MultipartBody } from './multipart.js';
import type { RateLimitState } from './rate-limit-state.js';

export interface SchedulerOptions {
  http: DiscordTransport;
  webhooks: WebhookCredential[];
  bots: BotCredential[];
  state: RateLimitState;
  log: FastifyBaseLogger;
  /** How long a request may wait for capacity before the caller gets DiscordUnavailableError. */
  deadlineMs?: number;
  /** Attempts per request for 5xx answers and dropped connections (429s wait instead). */
  maxAttempts?: number;
  /** Invalid requests per window at which the scheduler stops sending (Discord bans at 10,000). */
  invalidThreshold?: number;
  /**
   * Discord's seconds per our second; 1 against Discord. The emulator can run its clock faster, and
   * then every Retry-After and reset it announces is that much shorter in real time.
   */
  timeScale?: number;
  /**
   * Told when a credential is taken out of use, so that admins hear of it as it happens and other
   * instances stop using it too; the credential's next request waits for it.
   */
  onQuarantine?: (credentialId: string, reason: string, since: number) => Promise<void> | void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Why a credential is out of use, for the admin page. */
export interface CredentialHealth {
  id: string;
  kind: 'webhook' | 'bot';
  channelId: string | null;
  quarantined: { reason: string; since: number } | null;
  lastUsed: number | null;
}

type Credential = { kind: 'webhook'; cred: WebhookCredential } | { kind: 'bot'; cred: BotCredential };

interface Job {
  /** For messages: "uploading a chunk". */
  what: string;
  kind: Credential['kind'];
  /** This credential and no other (a webhook reading its own message). */
  only?: string;
  /** Webhooks of these channels are not used (a copy goes where no other copy of its object is). */
  avoidChannels?: readonly string[];
  /** The route's rate-limit key for a credential (bucket and top-level resource). */
  routeKey: (c: Credential) => string;
  request: (c: Credential) => DiscordRequest;
}

/** Posting a message through a webhook: what choosing a webhook needs, before there is a body. */
const UPLOAD = {
  what: 'an upload',
  kind: 'webhook',
  routeKey: (c: Credential) => `route:webhook:${c.cred.id}`,
} satisfies Omit<Job, 'request'>;

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Every request to Discord goes through here. It spreads uploads over all webhooks of all channels
 * and bot work over all bots, paces itself by what Discord announces (X-RateLimit headers) and by the
 * limits Discord does not announce (about 30 webhook messages a minute per channel, 50 requests a
 * second per bot), honours Retry-After, and keeps invalid requests far below Discord's ban line.
 * When there is no capacity the caller waits (back-pressure); only past a deadline does it fail.
 */
export class DiscordScheduler {
  private readonly credentials: Credential[];
  private readonly health = new Map<
    string,
    { quarantined: CredentialHealth['quarantined']; lastUsed: number | null }
  >();
  private bannedUntil = 0;
  /** Order of use: the least recently used credential goes first among those free now. */
  private readonly useOrder = new Map<string, number>();
  private uses = 0;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly invalidThreshold: number;
  private readonly timeScale: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SchedulerOptions) {
    this.credentials = [
      ...options.webhooks.map((cred) => ({ kind: 'webhook' as const, cred })),
      ...options.bots.map((cred) => ({ kind: 'bot' as const, cred })),
    ];
    for (const c of this.credentials) this.health.set(c.cred.id, { quarantined: null, lastUsed: null });
    this.deadlineMs = options.deadlineMs ?? 120_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.invalidThreshold = options.invalidThreshold ?? 500;
    this.timeScale = options.timeScale ?? 1;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepReal;
  }

  /** Posts a message with attachments through the least busy webhook, of a channel not in `avoidChannels`. */
  async upload(form: () => MultipartBody, avoidChannels?: readonly string[]): Promise<unknown> {
    const res = await this.run({
      ...UPLOAD,
      ...(avoidChannels ? { avoidChannels, what: 'a copy of a chunk' } : {}),
      request: (c) => ({
        method: 'POST',
        path: `/webhooks/${c.cred.id}/${(c.cred as WebhookCredential).token}?wait=true`,
        body: form,
      }),
    });
    return res.json;
  }

  /**
   * Milliseconds until some webhook may post a message by what we know of the limits (0: one may
   * now), so that a message can gather chunks while none could take it anyway.
   */
  async uploadWait(): Promise<number> {
    const now = this.now();
    const waits = await Promise.all(
      this.usable(UPLOAD).map((c) => this.options.state.wait(this.keys(c, UPLOAD), now)),
    );
    // With no webhook left, or none known yet, sending is what tells the caller.
    return waits.length > 0 ? Math.min(...waits) : 0;
  }

  /** Reads a message through the webhook that posted it, which sees it in full; undefined when that webhook is not ours. */
  async webhookMessage(webhookId: string, messageId: string): Promise<unknown> {
    if (!this.options.webhooks.some((w) => w.id === webhookId)) return undefined;
    const res = await this.run({
      what: 'fetching a message',
      kind: 'webhook',
      only: webhookId,
      routeKey: (c) => `route:webhook-message:${c.cred.id}`,
      request: (c) => ({
        method: 'GET',
        path: `/webhooks/${c.cred.id}/${(c.cred as WebhookCredential).token}/messages/${messageId}`,
      }),
    });
    return res.json;
  }

  /**
   * A bot request. `resource` is the route's bucket and top-level resource (e.g. `delete:channel:1`),
   * because Discord counts limits per route per channel, guild or webhook.
   */
  async bot(
    what: string,
    resource: string,
    request: (bot: BotCredential) => DiscordRequest,
  ): Promise<DiscordResponse> {
    return this.run({
      what,
      kind: 'bot',
      routeKey: (c) => `route:${resource}:${c.cred.id}`,
      request: (c) => request(c.cred as BotCredential),
    });
  }

  /** Each credential's state, for the admin page. */
  healthReport(): CredentialHealth[] {
    return this.credentials.map((c) => ({
      id: c.cred.id,
      kind: c.kind,
      channelId: c.kind === 'webhook' ? c.cred.channelId : null,
      ...this.health.get(c.cred.id)!,
    }));
  }

  /** Puts a quarantined credential back in use (an admin fixed it). */
  reenable(id: string): boolean {
    const health = this.health.get(id);
    if (!health?.quarantined) return false;
    health.quarantined = null;
    return true;
  }

  /**
   * Takes in what another instance (or an earlier start) recorded: quarantines and re-enables. A
   * quarantine made here after the record was read is newer than the record, and stays.
   */
  async syncQuarantines(load: () => Promise<Map<string, CredentialHealth['quarantined']>>): Promise<void> {
    const asOf = this.now();
    for (const [id, quarantined] of await load()) {
      const health = this.health.get(id);
      if (!health || (quarantined === null && (health.quarantined?.since ?? -Infinity) >= asOf)) continue;
      health.quarantined = quarantined;
    }
  }

  /** The channels that have a webhook in use: where chunks can be stored now. */
  uploadChannels(): string[] {
    return [...new Set(this.usable(UPLOAD).map((c) => (c.cred as WebhookCredential).channelId))];
  }

  private usable(job: Pick<Job, 'kind' | 'only' | 'avoidChannels'>): Credential[] {
    return this.credentials.filter(
      (c) =>
        c.kind === job.kind &&
        (job.only === undefined || c.cred.id === job.only) &&
        !(c.kind === 'webhook' && job.avoidChannels?.includes(c.cred.channelId)) &&
        !this.health.get(c.cred.id)!.quarantined,
    );
  }

  private keys(c: Credential, job: Pick<Job, 'routeKey'>): string[] {
    return c.kind === 'webhook'
      ? [job.routeKey(c), `channel:${c.cred.channelId}`, 'global:ip']
      : [job.routeKey(c), `global:${c.cred.id}`];
  }

  private async run(job: Job): Promise<DiscordResponse> {
    const started = this.now();
    let failures = 0;
    for (;;) {
      const now = this.now();
      if (now < this.bannedUntil) {
        throw new DiscordUnavailableError(
          'Discord is refusing this server for now (too many invalid requests)',
          this.bannedUntil - now,
        );
      }
      if ((await this.options.state.invalidCount(now)) >= this.invalidThreshold) {
        throw new DiscordUnavailableError(
          `Stopped sending to Discord: ${this.invalidThreshold} invalid requests in the last 10 minutes`,
          60_000,
        );
      }
      const usable = this.usable(job);
      if (usable.length === 0) {
        throw new DiscordUnavailableError(`No working Discord ${job.kind} is left for ${job.what}`, 60_000);
      }
      const { c, wait } = await this.acquire(usable, job, now);
      if (!c) {
        if (now + wait - started > this.deadlineMs) {
          throw new DiscordUnavailableError(`Discord has no capacity for ${job.what} right now`, wait);
        }
        await this.sleep(wait);
        continue;
      }
      this.health.get(c.cred.id)!.lastUsed = now;

      let res: DiscordResponse;
      try {
        res = await this.options.http.send(job.request(c));
      } catch (err) {
        await this.options.state.answered(job.routeKey(c), this.now());
        if (++failures >= this.maxAttempts) throw err;
        this.options.log.warn({ err, what: job.what }, 'Discord request failed to complete; retrying');
        await this.sleep(backoff(failures));
        continue;
      }
      await this.answered(res, job.routeKey(c));
      if (res.status < 300) return res;
      const body = res.json as DiscordErrorBody | undefined;
      if (res.status === 429) {
        await this.rateLimited(res, body, c, job);
        continue;
      }
      if (res.status === 401 || res.status === 403 || (res.status === 404 && body?.code === 10015)) {
        if (res.status !== 404) await this.options.state.recordInvalid(this.now());
        await this.quarantine(
          c,
          `Discord answered ${res.status}${body?.code ? ` (code ${body.code})` : ''}: ${body?.message ?? ''}`.trim(),
        );
        continue;
      }
      if (res.status >= 500) {
        if (++failures >= this.maxAttempts) throw new DiscordRequestError(res.status, body, job.what);
        await this.sleep(backoff(failures));
        continue;
      }
      throw new DiscordRequestError(res.status, body, job.what);
    }
  }

  /**
   * Takes a slot for the credential used longest ago among those free now (spreads the load), or
   * tells how long until the first of them is free. A credential counts as used while its slot is
   * being asked for, so that requests starting meanwhile try another one first.
   */
  private async acquire(
    usable: Credential[],
    job: Job,
    now: number,
  ): Promise<{ c: Credential; wait: 0 } | { c: undefined; wait: number }> {
    const order = (c: Credential) => this.useOrder.get(c.cred.id) ?? 0;
    let wait = Infinity;
    for (const c of [...usable].sort((a, b) => order(a) - order(b))) {
      const before = this.useOrder.get(c.cred.id);
      const mark = ++this.uses;
      this.useOrder.set(c.cred.id, mark);
      const left = await this.options.state.acquire(this.keys(c, job), now);
      if (left === 0) return { c, wait: 0 };
      // Not used after all (unless another request used it meanwhile).
      if (this.useOrder.get(c.cred.id) === mark) {
        if (before === undefined) this.useOrder.delete(c.cred.id);
        else this.useOrder.set(c.cred.id, before);
      }
      wait = Math.min(wait, left);
    }
    return { c: undefined, wait };
  }

  /** Tells the state a request was answered, with what its X-RateLimit headers announced. */
  private async answered(res: DiscordResponse, routeKey: string): Promise<void> {
    const remaining = res.headers.get('x-ratelimit-remaining');
    const resetAfter = res.headers.get('x-ratelimit-reset-after');
    const limit = res.headers.get('x-ratelimit-limit');
    const now = this.now();
    await this.options.state.answered(
      routeKey,
      now,
      remaining === null || resetAfter === null
        ? undefined
        : {
            remaining: Number(remaining),
            resetAt: now + this.discordMs(Number(resetAfter)),
            ...(limit === null ? {} : { limit: Number(limit) }),
          },
    );
  }

  private async rateLimited(
    res: DiscordResponse,
    body: DiscordErrorBody | undefined,
    c: Credential,
    job: Job,
  ): Promise<void> {
    const now = this.now();
    const header = res.headers.get('retry-after');
    const seconds =
      typeof body?.retry_after === 'number' ? body.retry_after : header === null ? NaN : Number(header);
    if (!Number.isFinite(seconds)) {
      // A 429 without Retry-After is Discord's IP ban, not a rate limit: stop everything for a while.
      await this.options.state.recordInvalid(now);
      this.bannedUntil = now + 10 * 60_000;
      this.options.log.error('Discord answered 429 without Retry-After: treating it as a temporary ban');
      return;
    }
    const until = now + this.discordMs(seconds);
    const scope = res.headers.get('x-ratelimit-scope');
    if (scope === 'shared') {
      // The unannounced per-channel limit: not our fault, and it does not count as invalid.
      await this.options.state.block(
        c.kind === 'webhook' ? `channel:${c.cred.channelId}` : job.routeKey(c),
        until,
        now,
      );
      return;
    }
    await this.options.state.recordInvalid(now);
    const global =
      scope === 'global' || body?.global === true || res.headers.get('x-ratelimit-global') === 'true';
    await this.options.state.block(global ? this.keys(c, job).at(-1)! : job.routeKey(c), until, now);
  }

  private async quarantine(c: Credential, reason: string): Promise<void> {
    const health = this.health.get(c.cred.id)!;
    const since = this.now();
    health.quarantined = { reason, since };
    this.options.log.error({ credential: c.cred.id, kind: c.kind, reason }, 'Discord credential quarantined');
    await this.options.onQuarantine?.(c.cred.id, reason, since);
  }

  private discordMs(seconds: number): number {
    return Math.ceil((seconds * 1000) / this.timeScale);
  }
}

function backoff(failures: number): number {
  return Math.min(8_000, 250 * 2 ** (failures - 1));
}
