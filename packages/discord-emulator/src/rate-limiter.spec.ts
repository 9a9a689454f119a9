import { describe, expect, it } from 'vitest';
import { noRateLimits, seeded } from './test-support.js';

describe('per-route rate limits', () => {
  it('counts the bucket headers down and refuses the 6th message in 5 s with a user 429', async () => {
    const s = seeded();
    const send = () =>
      s.emu.app.inject({
        method: 'POST',
        url: `/api/v10/channels/${s.channelId}/messages`,
        headers: s.botAuth,
        payload: { content: 'x' },
      });
    const start = s.emu.control.now();
    for (let i = 0; i < 5; i++) {
      const res = await send();
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('5');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(4 - i));
      expect(res.headers['x-ratelimit-reset-after']).toBe('5.000');
      expect(res.headers['x-ratelimit-reset']).toBe(((start + 5000) / 1000).toFixed(3));
      expect(res.headers['x-ratelimit-bucket']).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers['x-ratelimit-scope']).toBeUndefined();
      expect(res.headers['x-ratelimit-global']).toBeUndefined();
    }
    s.emu.control.advance(1500);
    const limited = await send();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({
      message: 'You are being rate limited.',
      retry_after: 3.5,
      global: false,
    });
    expect(limited.headers).toMatchObject({
      'retry-after': '4',
      'x-ratelimit-scope': 'user',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-limit': '5',
      'x-ratelimit-reset-after': '3.500',
    });
    expect(limited.headers['x-ratelimit-global']).toBeUndefined();

    s.emu.control.advance(3500);
    const again = await send();
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('4');
    expect(s.emu.control.stats().rateLimited.user).toBe(1);
  });

  it('keeps separate buckets per top-level resource', async () => {
    const s = seeded();
    const second = s.emu.control.seed({ guildId: s.guildId, channels: ['b'], bots: [] }).channels[0]!.id;
    const send = (channel: string) =>
      s.emu.app.inject({
        method: 'POST',
        url: `/api/v10/channels/${channel}/messages`,
        headers: s.botAuth,
        payload: { content: 'x' },
      });
    for (let i = 0; i < 5; i++) await send(s.channelId);
    expect((await send(s.channelId)).statusCode).toBe(429);
    const other = await send(second);
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('4');
  });

  it('limits a webhook to 5 per 2 s', async () => {
    const s = seeded();
    const send = () => s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
    for (let i = 0; i < 5; i++) expect((await send()).statusCode).toBe(204);
    const limited = await send();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    s.emu.control.advance(2000);
    expect((await send()).statusCode).toBe(204);
  });

  it('chooses the delete bucket by message age', async () => {
    const s = seeded();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await s.emu.app.inject({
            method: 'POST',
            url: `${s.webhookPath}?wait=true`,
            payload: { content: 'x' },
          })
        ).json().id,
      );
      s.emu.control.advance(2000);
    }
    s.emu.control.advance(15 * 24 * 3600 * 1000);
    const res = await s.emu.app.inject({
      method: 'DELETE',
      url: `/api/v10/channels/${s.channelId}/messages/${ids[0]}`,
      headers: s.botAuth,
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-ratelimit-limit']).toBe('30');
  });
});

describe('the hidden per-channel webhook limit', () => {
  it('gives a shared 429 after 30 messages a minute, across webhooks, while headers show requests left', async () => {
    const s = seeded();
    // Seven webhooks in the same channel, so no webhook reaches its own 5 per 2 s.
    const channel = s.emu.state.channels.get(s.channelId)!;
    const paths = [s.webhookPath];
    for (let i = 0; i < 6; i++) {
      const w = s.emu.state.createWebhook(channel, `w${i}`, null, null);
      paths.push(`/api/v10/webhooks/${w.id}/${w.token}`);
    }
    for (let i = 0; i < 30; i++) {
      const res = await s.emu.app.inject({
        method: 'POST',
        url: paths[i % paths.length]!,
        payload: { content: 'x' },
      });
      expect(res.statusCode, `message ${i + 1}`).toBe(204);
    }
    s.emu.control.advance(20_000);
    const limited = await s.emu.app.inject({ method: 'POST', url: paths[0]!, payload: { content: 'x' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({
      message: 'The resource is being rate limited.',
      retry_after: 40,
      global: false,
    });
    expect(limited.headers['x-ratelimit-scope']).toBe('shared');
    expect(limited.headers['retry-after']).toBe('40');
    expect(Number(limited.headers['x-ratelimit-remaining'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-global']).toBeUndefined();
    // Shared 429s are not invalid requests.
    expect(s.emu.context.invalid.count('127.0.0.1')).toBe(0);
    expect(s.emu.control.stats().rateLimited.shared).toBe(1);

    s.emu.control.advance(40_000);
    expect(
      (await s.emu.app.inject({ method: 'POST', url: paths[0]!, payload: { content: 'x' } })).statusCode,
    ).toBe(204);
  });
});

describe('the global limit', () => {
  it('allows 50 requests a second per token, then answers a global 429 without bucket headers', async () => {
    const s = seeded();
    for (let i = 0; i < 50; i++) {
      s.emu.control.setLimits({ rateLimits: { buckets: { default: { limit: 1000 } } } });
      const res = await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth });
      expect(res.statusCode).toBe(200);
    }
    s.emu.control.advance(250);
    const limited = await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({
      message: 'You are being rate limited.',
      retry_after: 0.75,
      global: true,
    });
    expect(limited.headers).toMatchObject({
      'x-ratelimit-global': 'true',
      'x-ratelimit-scope': 'global',
      'retry-after': '1',
    });
    expect(limited.headers['x-ratelimit-bucket']).toBeUndefined();
    // Another caller (no token: keyed by IP) is not affected.
    const other = await s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
    expect(other.statusCode).toBe(204);
    s.emu.control.advance(750);
    expect(
      (await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth })).statusCode,
    ).toBe(200);
    expect(s.emu.control.stats().rateLimited.global).toBe(1);
  });

  it('can be switched off with every other limit', async () => {
    const s = seeded(noRateLimits);
    for (let i = 0; i < 60; i++) {
      const res = await s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
      expect(res.statusCode).toBe(204);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});

describe('invalid requests and the ban', () => {
  const banned = (form: 'json429' | 'cloudflare1015' | 'forbidden403') =>
    seeded({
      limits: {
        rateLimits: { enabled: false },
        invalidRequests: { threshold: 5, banMs: 60_000, banForm: form },
      },
    });

  const invalid = (s: ReturnType<typeof seeded>, remoteAddress = '127.0.0.1') =>
    s.emu.app.inject({
      method: 'GET',
      url: '/api/v10/users/@me',
      headers: { authorization: 'Bot bad' },
      remoteAddress,
    });

  it('counts 401/403/429 per IP and bans past the threshold, for a while', async () => {
    const s = banned('json429');
    for (let i = 0; i < 6; i++) expect((await invalid(s)).statusCode).toBe(401);
    const res = await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth });
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe(0);
    expect(res.json().message).toMatch(/^You are being blocked from accessing our API temporarily/);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    // Webhook routes too; another IP is fine.
    expect(
      (await s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } })).statusCode,
    ).toBe(429);
    const elsewhere = await s.emu.app.inject({
      method: 'GET',
      url: '/api/v10/users/@me',
      headers: s.botAuth,
      remoteAddress: '10.0.0.2',
    });
    expect(elsewhere.statusCode).toBe(200);
    expect(s.emu.control.stats()).toMatchObject({ invalidRequests: 6, bans: 1 });

    s.emu.control.advance(60_000);
    expect(
      (await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth })).statusCode,
    ).toBe(200);
  });

  it('forgets invalid requests after the 10-minute window', async () => {
    const s = banned('json429');
    for (let i = 0; i < 5; i++) await invalid(s);
    s.emu.control.advance(10 * 60 * 1000);
    for (let i = 0; i < 5; i++) await invalid(s);
    expect(s.emu.context.invalid.count('127.0.0.1')).toBe(5);
    expect(
      (await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth })).statusCode,
    ).toBe(200);
  });

  it('counts 403s and user 429s', async () => {
    const s = seeded({ limits: { invalidRequests: { threshold: 1000 } } });
    const weak = s.emu.control.seed({ guildId: s.guildId, bots: [{ permissions: [] }] }).bots[0]!;
    await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/channels/${s.channelId}/messages`,
      headers: { authorization: `Bot ${weak.token}` },
      payload: { content: 'x' },
    });
    for (let i = 0; i < 6; i++)
      await s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
    expect(s.emu.context.invalid.count('127.0.0.1')).toBe(2);
  });

  it('offers the Cloudflare 1015 page and the 403 forms', async () => {
    const cf = banned('cloudflare1015');
    for (let i = 0; i < 6; i++) await invalid(cf);
    const page = await cf.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: cf.botAuth });
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Error 1015');

    const denied = banned('forbidden403');
    for (let i = 0; i < 6; i++) await invalid(denied);
    const res = await denied.emu.app.inject({
      method: 'GET',
      url: '/api/v10/users/@me',
      headers: denied.botAuth,
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Access Denied');
  });
});
