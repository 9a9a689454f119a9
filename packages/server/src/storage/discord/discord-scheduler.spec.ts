import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitStates } from '../../../test/helpers/rate-limit-states.js';
import {
  DiscordRequestError,
  DiscordUnavailableError,
  type DiscordRequest,
  type DiscordResponse,
} from './discord-http.js';
import { DiscordScheduler, type SchedulerOptions } from './discord-scheduler.js';
import type { WebhookCredential } from './discord-types.js';
import { MultipartBody } from './multipart.js';
import type { RateLimitState } from './rate-limit-state.js';

const webhooks: WebhookCredential[] = [
  { id: '101', token: 'a', channelId: '1' },
  { id: '102', token: 'b', channelId: '1' },
  { id: '201', token: 'c', channelId: '2' },
];
const bots = [{ id: '900', token: 'bot-token' }];

function response(status: number, json?: object, headers: Record<string, string> = {}): DiscordResponse {
  return { status, json, headers: new Headers(headers) };
}

const ok = () => response(200, { id: '1', channel_id: '1', attachments: [] });
const form = () => new MultipartBody([], []);

// The same cases for every way of keeping the limits: the scheduler must not tell them apart.
describe.each(rateLimitStates())('DiscordScheduler ($name limits)', (kind) => {
  afterEach(() => kind.cleanup());

  /** A scheduler over a scripted Discord and a virtual clock that sleeping advances. */
  async function setup(
    answer: (req: DiscordRequest, n: number) => DiscordResponse | Error,
    options: Partial<SchedulerOptions> = {},
  ) {
    let clock = 1_000_000;
    const sent: { path: string; at: number }[] = [];
    const [state] = (await kind.open({
      channel: { limit: 30, windowMs: 60_000 },
      global: { limit: 50, windowMs: 1_000 },
      invalidWindowMs: 600_000,
    })) as [RateLimitState];
    const scheduler = new DiscordScheduler({
      http: {
        send: async (req) => {
          sent.push({ path: req.path, at: clock });
          const result = answer(req, sent.length);
          if (result instanceof Error) throw result;
          return result;
        },
      },
      webhooks,
      bots,
      state,
      log: pino({ level: 'silent' }),
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      ...options,
    });
    return { scheduler, sent, state, now: () => clock };
  }

  it('spreads uploads over every webhook of every channel', async () => {
    const { scheduler, sent } = await setup(ok);
    for (let i = 0; i < 6; i++) await scheduler.upload(form);
    const used = sent.map((s) => s.path.split('/')[2]);
    expect(new Set(used)).toEqual(new Set(['101', '102', '201']));
    expect(used.filter((id) => id === '201')).toHaveLength(2);
  });

  it('paces a channel at the unannounced 30 messages a minute, however many webhooks it has', async () => {
    const { scheduler, sent } = await setup(ok, { webhooks: webhooks.slice(0, 2) });
    for (let i = 0; i < 31; i++) await scheduler.upload(form);
    expect(sent[30]!.at - sent[0]!.at).toBeGreaterThanOrEqual(60_000);
    expect(sent[29]!.at - sent[0]!.at).toBeLessThan(60_000);
  });

  it('waits out what X-RateLimit headers announce', async () => {
    const { scheduler, sent } = await setup(
      (_req, n) =>
        n === 1
          ? response(200, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '2.5' })
          : response(200, {}),
      { webhooks: webhooks.slice(0, 1) },
    );
    await scheduler.upload(form);
    await scheduler.upload(form);
    expect(sent[1]!.at - sent[0]!.at).toBe(2_500);
  });

  it('tells how long until some webhook may post, from what the headers announced', async () => {
    const { scheduler } = await setup(
      (_req, n) =>
        response(200, {}, { 'x-ratelimit-remaining': n === 1 ? '0' : '3', 'x-ratelimit-reset-after': '2.5' }),
      { webhooks: [webhooks[0]!, webhooks[2]!] },
    );
    expect(await scheduler.uploadWait()).toBe(0);
    await scheduler.upload(form);
    // One webhook is used up for 2.5 s; the other is free.
    expect(await scheduler.uploadWait()).toBe(0);
    await scheduler.upload(form);
    expect(await scheduler.uploadWait()).toBe(0);
    const one = await setup(
      () => response(200, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '2.5' }),
      { webhooks: webhooks.slice(0, 1) },
    );
    await one.scheduler.upload(form);
    expect(await one.scheduler.uploadWait()).toBe(2_500);
  });

  it('honours Retry-After on a 429 and counts it as invalid unless it is scoped shared', async () => {
    const user = await setup(
      (_req, n) =>
        n === 1
          ? response(
              429,
              { message: 'You are being rate limited.', retry_after: 1.5, global: false },
              { 'retry-after': '2', 'x-ratelimit-scope': 'user' },
            )
          : ok(),
      { webhooks: webhooks.slice(0, 1) },
    );
    await user.scheduler.upload(form);
    expect(user.sent[1]!.at - user.sent[0]!.at).toBe(1_500);
    expect(await user.state.invalidCount(user.now())).toBe(1);

    const shared = await setup(
      (_req, n) =>
        n === 1
          ? response(
              429,
              { message: 'The resource is being rate limited.', retry_after: 40, global: false },
              { 'retry-after': '40', 'x-ratelimit-scope': 'shared' },
            )
          : ok(),
      { webhooks: webhooks.slice(0, 2) },
    );
    await shared.scheduler.upload(form);
    // The whole channel waits, not just the webhook that hit it.
    expect(shared.sent[1]!.at - shared.sent[0]!.at).toBe(40_000);
    expect(await shared.state.invalidCount(shared.now())).toBe(0);
  });

  it('quarantines a credential that answers 401 or unknown webhook, with the reason, and can re-enable it', async () => {
    const { scheduler, sent } = await setup((req) =>
      req.path.startsWith('/webhooks/101/')
        ? response(404, { message: 'Unknown Webhook', code: 10015 })
        : ok(),
    );
    for (let i = 0; i < 4; i++) await scheduler.upload(form);
    expect(sent.filter((s) => s.path.startsWith('/webhooks/101/'))).toHaveLength(1);
    const health = scheduler.healthReport().find((h) => h.id === '101')!;
    expect(health.quarantined?.reason).toContain('10015');
    expect(scheduler.reenable('101')).toBe(true);
    expect(scheduler.healthReport().find((h) => h.id === '101')!.quarantined).toBeNull();
  });

  it('fails a request the bot lacks a permission for, counted as invalid, without taking the bot out of use', async () => {
    const { scheduler, state, now } = await setup((req) =>
      req.method === 'POST' ? response(403, { message: 'Missing Permissions', code: 50013 }) : ok(),
    );
    const post = () =>
      scheduler.bot('posting', 'create-message:channel:1', (bot) => ({
        method: 'POST',
        path: '/channels/1/messages',
        authorization: `Bot ${bot.token}`,
      }));
    const err = await post().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordRequestError);
    expect((err as DiscordRequestError).body?.code).toBe(50013);
    expect(await state.invalidCount(now())).toBe(1);
    expect(scheduler.healthReport().find((h) => h.id === '900')!.quarantined).toBeNull();
    const read = await scheduler.bot('reading', 'messages:channel:1', (bot) => ({
      method: 'GET',
      path: '/channels/1/messages/1',
      authorization: `Bot ${bot.token}`,
    }));
    expect(read.status).toBe(200);
  });

  it('retries 5xx answers and dropped connections with back-off, then gives up', async () => {
    const flaky = await setup((_req, n) =>
      n === 1 ? response(502) : n === 2 ? new Error('socket hang up') : ok(),
    );
    await flaky.scheduler.upload(form);
    expect(flaky.sent).toHaveLength(3);

    const down = await setup(() => response(500, { message: 'Internal Server Error' }), { maxAttempts: 3 });
    await expect(down.scheduler.upload(form)).rejects.toBeInstanceOf(DiscordRequestError);
    expect(down.sent).toHaveLength(3);
  });

  it('does not retry a request Discord refuses for good', async () => {
    const { scheduler, sent } = await setup(() =>
      response(413, { message: 'Request entity too large', code: 40005 }),
    );
    const err = await scheduler.upload(form).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordRequestError);
    expect((err as DiscordRequestError).body?.code).toBe(40005);
    expect(sent).toHaveLength(1);
  });

  it('applies back-pressure, and fails with a retry time only past the deadline', async () => {
    const { scheduler } = await setup(ok, { webhooks: webhooks.slice(0, 1), deadlineMs: 30_000 });
    for (let i = 0; i < 30; i++) await scheduler.upload(form);
    const err = await scheduler.upload(form).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordUnavailableError);
    expect((err as DiscordUnavailableError).retryAfterMs).toBeGreaterThan(0);
  });

  it('stops sending once invalid requests reach the threshold', async () => {
    const { scheduler, sent } = await setup(
      () =>
        response(
          429,
          { message: 'You are being rate limited.', retry_after: 0.01, global: false },
          { 'retry-after': '1' },
        ),
      { invalidThreshold: 20 },
    );
    await expect(scheduler.upload(form)).rejects.toThrow(/invalid requests/);
    expect(sent).toHaveLength(20);
  });

  it('treats a 429 without Retry-After as a ban and stops everything', async () => {
    const { scheduler, sent } = await setup(() =>
      response(429, { code: 0, message: 'You are being blocked from accessing our API temporarily' }),
    );
    await expect(scheduler.upload(form)).rejects.toThrow(/refusing/);
    await expect(
      scheduler.bot('reading', 'messages:channel:1', () => ({ method: 'GET', path: '/x' })),
    ).rejects.toThrow(/refusing/);
    expect(sent).toHaveLength(1);
  });

  it('uses bots for bot work, within the 50 requests a second', async () => {
    const { scheduler, sent } = await setup(() => response(200, {}));
    for (let i = 0; i < 51; i++) {
      await scheduler.bot('reading', `messages:channel:${i}`, (bot) => ({
        method: 'GET',
        path: `/channels/${i}/messages/1`,
        authorization: `Bot ${bot.token}`,
      }));
    }
    expect(sent[50]!.at - sent[0]!.at).toBeGreaterThanOrEqual(1_000);
  });
});
