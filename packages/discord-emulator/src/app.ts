import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { CdnSigner } from './cdn-signer.js';
import { DiscordError, invalidFormBody, notFoundRoute } from './discord-error.js';
import type { EmulatorContext } from './emulator-context.js';
import { EmulatorControl } from './emulator-control.js';
import { EmulatorState } from './emulator-state.js';
import { EmulatorStats } from './emulator-stats.js';
import { SlotLedger } from './slot-ledger.js';
import { FaultInjector, type FaultRule } from './fault-injector.js';
import { InvalidRequestTracker } from './invalid-request-tracker.js';
import { defaultLimits, mergeLimits, type DeepPartial, type EmulatorLimits } from './limits.js';
import { RateLimitedError, RateLimiter, type RateLimitScope } from './rate-limiter.js';
import { parseFormBody, parseJsonBody, parseMultipartBody, readBody } from './request-body.js';
import { rateLimitCaller } from './route-helpers.js';
import { attachmentRoutes } from './routes/attachment.routes.js';
import { cdnRoutes } from './routes/cdn.routes.js';
import { channelRoutes } from './routes/channel.routes.js';
import { controlRoutes } from './routes/control.routes.js';
import { guildRoutes } from './routes/guild.routes.js';
import { userRoutes } from './routes/user.routes.js';
import { webhookRoutes } from './routes/webhook.routes.js';
import { SnowflakeGenerator } from './snowflake.js';
import { VirtualClock } from './virtual-clock.js';

export interface DiscordEmulatorOptions {
  /** Changes to Discord's default limits. */
  limits?: DeepPartial<EmulatorLimits>;
  /** Virtual time at start (default: the real time). */
  startTimeMs?: number;
  /** How fast virtual time runs against real time (default 1; 0 = frozen, only `advance` moves it). */
  timeScale?: number;
  /** HMAC secret for CDN URLs (default: random per instance, so old URLs die with the process). */
  cdnSecret?: string;
  /** Base of attachment `url`s, e.g. `http://127.0.0.1:8787` (default: from the request's Host). */
  cdnBaseUrl?: string;
  /** Base of attachment `proxy_url`s (default: same as `cdnBaseUrl`). */
  mediaBaseUrl?: string;
  /** Fastify logger setting (default off). */
  logger?: boolean;
}

export interface DiscordEmulator {
  app: FastifyInstance;
  state: EmulatorState;
  control: EmulatorControl;
  context: EmulatorContext;
}

export type RequestKind = 'api' | 'cdn' | 'control' | 'other';

export interface RequestMeta {
  kind: RequestKind;
  /** Set by a `truncate` fault: the CDN answer stops half-way. */
  truncate: boolean;
  /** Answered by an invalid-request ban (such answers are not counted again). */
  banned: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    emulator: RequestMeta;
  }
}

export const API_VERSIONS = ['v10', 'v9'] as const;
const CONTROL_PREFIX = '/__control';
const CONTROL_BODY_LIMIT = 16 * 1024 * 1024;

function classify(path: string): RequestKind {
  if (/^\/api\/v(10|9)\//.test(path)) return 'api';
  if (path.startsWith('/attachments/')) return 'cdn';
  if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) return 'control';
  return 'other';
}

const BLOCKED_MESSAGE =
  'You are being blocked from accessing our API temporarily due to exceeding our rate limits frequently. ' +
  'Please read our docs at https://discord.com/developers/docs/topics/rate-limits to prevent this moving forward.';

const CLOUDFLARE_1015 =
  '<!DOCTYPE html><html lang="en-US"><head><title>Access denied | discord.com used Cloudflare to restrict access</title></head>' +
  '<body><div id="cf-error-details"><h1>Error 1015</h1><h2>You are being rate limited</h2>' +
  '<p>The owner of this website (discord.com) has banned you temporarily from accessing this website.</p></div></body></html>';

const CONTENT_TYPE_ERROR = `Expected "Content-Type" header to be one of {'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'}.`;

/** Builds the emulator: Discord's REST API under /api/v10 and /api/v9, the CDN, and /__control. */
export function createDiscordEmulator(options: DiscordEmulatorOptions = {}): DiscordEmulator {
  const limits = mergeLimits(defaultLimits(), options.limits ?? {});
  const clock = new VirtualClock(options.startTimeMs ?? Date.now(), options.timeScale ?? 1);
  const state = new EmulatorState(new SnowflakeGenerator(clock));
  const slots = new SlotLedger((webhookId) => state.webhooks.get(webhookId)?.channelId);
  const ctx: EmulatorContext = {
    state,
    clock,
    limits,
    signer: new CdnSigner(options.cdnSecret),
    limiter: new RateLimiter(clock, limits, slots),
    slots,
    invalid: new InvalidRequestTracker(clock, limits),
    faults: new FaultInjector(),
    stats: new EmulatorStats(),
    cdnBaseUrl: options.cdnBaseUrl?.replace(/\/$/, ''),
    mediaBaseUrl: (options.mediaBaseUrl ?? options.cdnBaseUrl)?.replace(/\/$/, ''),
  };
  const control = new EmulatorControl(ctx);

  const app = Fastify({
    logger: options.logger ?? false,
    // Filenames may be up to 1024 characters; webhook tokens are ~68.
    routerOptions: { maxParamLength: 2048 },
    requestTimeout: 0,
  });
  app.decorateRequest('emulator', null as unknown as RequestMeta);

  registerBodyParsers(app, ctx);
  registerHooks(app, ctx);
  registerErrorHandling(app);

  for (const version of API_VERSIONS) {
    void app.register(
      async (api) => {
        await api.register(webhookRoutes(ctx));
        await api.register(channelRoutes(ctx));
        await api.register(guildRoutes(ctx));
        await api.register(userRoutes(ctx));
        await api.register(attachmentRoutes(ctx));
      },
      { prefix: `/api/${version}` },
    );
  }
  void app.register(cdnRoutes(ctx));
  void app.register(controlRoutes(control), { prefix: CONTROL_PREFIX });

  return { app, state, control, context: ctx };
}

function registerBodyParsers(app: FastifyInstance, ctx: EmulatorContext): void {
  app.removeAllContentTypeParsers();
  // The request limit is read per request, so the control API can change it on a running emulator.
  const read = (request: FastifyRequest, payload: AsyncIterable<Buffer>) =>
    readBody(
      payload,
      request.emulator.kind === 'control' ? CONTROL_BODY_LIMIT : ctx.limits.maxRequestBytes,
      (bytes) => {
        if (request.emulator.kind !== 'control') ctx.stats.requestBody(bytes);
      },
    );
  app.addContentTypeParser(
    'application/json',
    async (request: FastifyRequest, payload: AsyncIterable<Buffer>) =>
      parseJsonBody(await read(request, payload)),
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    async (request: FastifyRequest, payload: AsyncIterable<Buffer>) =>
      parseFormBody(await read(request, payload)),
  );
  app.addContentTypeParser(
    'multipart/form-data',
    async (request: FastifyRequest, payload: AsyncIterable<Buffer>) =>
      parseMultipartBody(await read(request, payload), request.headers['content-type'] ?? ''),
  );
  app.addContentTypeParser('*', async (request: FastifyRequest, payload: AsyncIterable<Buffer>) => {
    await read(request, payload);
    throw invalidFormBody(undefined, 'CONTENT_TYPE_INVALID', CONTENT_TYPE_ERROR);
  });
}

function registerHooks(app: FastifyInstance, ctx: EmulatorContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const kind = classify(path);
    request.emulator = { kind, truncate: false, banned: false };
    if (kind === 'control') return;

    if (kind !== 'cdn' && ctx.invalid.isBanned(request.ip)) {
      request.emulator.banned = true;
      ctx.stats.bannedRequests += 1;
      return sendBan(reply, ctx.limits.invalidRequests.banForm);
    }

    const fault = ctx.faults.take(request.method, path, kind === 'cdn');
    if (fault) {
      const answered = await applyFault(fault, request, reply);
      if (answered) return reply;
    }

    if (kind !== 'cdn') ctx.limiter.takeGlobal(rateLimitCaller(request));
  });

  app.addHook('onResponse', async (request, reply) => {
    const meta = request.emulator;
    if (!meta || meta.kind === 'control') return;
    const status = reply.statusCode;
    ctx.stats.record(`${request.method} ${request.routeOptions.url ?? '(no route)'}`, status);
    if (meta.banned || meta.kind === 'cdn') return;
    const scope = reply.getHeader('x-ratelimit-scope') as RateLimitScope | undefined;
    if (status === 429 && scope) ctx.stats.rateLimited[scope] += 1;
    // 401, 403 and 429 count toward the ban, except 429s on shared resources [doc].
    if (status === 401 || status === 403 || (status === 429 && scope !== 'shared')) {
      if (ctx.invalid.record(request.ip)) ctx.stats.bans += 1;
    }
  });
}

/** Plays a fault; true when the request was answered (or dropped) by it. */
async function applyFault(fault: FaultRule, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  switch (fault.kind) {
    case 'status500':
      reply.code(500).send({ message: '500: Internal Server Error', code: 0 });
      return true;
    case 'status502':
      // A gateway error comes from Cloudflare, as an HTML page.
      reply
        .code(502)
        .type('text/html')
        .send(
          '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>',
        );
      return true;
    case 'reset':
      reply.hijack();
      request.raw.socket?.destroy();
      return true;
    case 'slow':
      // Real milliseconds, not virtual: this exists to trip client timeouts.
      await sleep(fault.delayMs ?? 1000);
      return false;
    case 'truncate':
      request.emulator.truncate = true;
      return false;
    case 'surprise429': {
      // No warning beforehand: the last answer's headers still showed requests left.
      const err = new RateLimitedError('user', fault.retryAfterMs ?? 1000, {});
      reply.code(429).headers(err.headers).send(err.body());
      return true;
    }
  }
}

function sendBan(reply: FastifyReply, form: EmulatorLimits['invalidRequests']['banForm']): FastifyReply {
  switch (form) {
    case 'json429':
      // No X-RateLimit-* and no Retry-After: staff called it "an IP ban, not a rate limit".
      return reply.code(429).send({ code: 0, message: BLOCKED_MESSAGE });
    case 'cloudflare1015':
      return reply.code(429).type('text/html; charset=UTF-8').send(CLOUDFLARE_1015);
    case 'forbidden403':
      return reply
        .code(403)
        .type('text/html')
        .send('<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1></BODY></HTML>');
  }
}

function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DiscordError) {
      return reply.code(err.status).headers(err.headers).send(err.body());
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ message: 'Request entity too large', code: 40005 });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const e = invalidFormBody(undefined, 'CONTENT_TYPE_INVALID', CONTENT_TYPE_ERROR);
      return reply.code(400).send(e.body());
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ message: `${status}: ${STATUS_CODES[status] ?? 'Error'}`, code: 0 });
    }
    request.log.error({ err }, 'emulator error');
    return reply.code(500).send({ message: '500: Internal Server Error', code: 0 });
  });

  app.setNotFoundHandler((request, reply) => {
    if (classify(request.url.split('?')[0] ?? '/') === 'cdn') {
      return reply.code(404).type('text/plain; charset=utf-8').send('This content is no longer available.');
    }
    const err = notFoundRoute();
    return reply.code(err.status).send(err.body());
  });
}
