import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordEmulator } from '../app.js';
import { filesBody, noRateLimits, seeded, type Seeded } from '../test-support.js';

describe('control API', () => {
  it('seeds a guild, bots and webhooks, and resets', async () => {
    const emu = createDiscordEmulator();
    const res = await emu.app.inject({
      method: 'POST',
      url: '/__control/seed',
      payload: {
        guildName: 'g',
        channels: ['a', 'b'],
        webhooksPerChannel: 2,
        bots: [{ permissions: ['ADMINISTRATOR'] }],
      },
    });
    expect(res.statusCode).toBe(200);
    const seed = res.json();
    expect(seed.guild.id).toMatch(/^\d{19}$/);
    expect(seed.bots[0].token).toEqual(expect.any(String));
    expect(seed.channels[1].webhooks).toHaveLength(2);
    const me = await emu.app.inject({
      method: 'GET',
      url: '/api/v10/users/@me',
      headers: { authorization: `Bot ${seed.bots[0].token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(
      (await emu.app.inject({ method: 'POST', url: '/__control/seed', payload: { nope: 1 } })).statusCode,
    ).toBe(400);

    await emu.app.inject({ method: 'POST', url: '/__control/reset' });
    expect(emu.state.guilds.size).toBe(0);
    const after = await emu.app.inject({
      method: 'GET',
      url: '/api/v10/users/@me',
      headers: { authorization: `Bot ${seed.bots[0].token}` },
    });
    expect(after.statusCode).toBe(401);
  });

  it('moves the virtual clock and runs it faster with timeScale', async () => {
    const emu = createDiscordEmulator({ startTimeMs: 1_800_000_000_000, timeScale: 0 });
    expect((await emu.app.inject({ method: 'GET', url: '/__control/clock' })).json()).toMatchObject({
      now: 1_800_000_000_000,
      timeScale: 0,
    });
    const moved = await emu.app.inject({
      method: 'POST',
      url: '/__control/clock',
      payload: { advanceMs: 5000 },
    });
    expect(moved.json().now).toBe(1_800_000_005_000);
    const back = await emu.app.inject({ method: 'POST', url: '/__control/clock', payload: { setMs: 0 } });
    expect(back.statusCode).toBe(400);

    await emu.app.inject({ method: 'POST', url: '/__control/clock', payload: { timeScale: 100 } });
    const before = emu.control.now();
    await new Promise((r) => setTimeout(r, 30));
    // 30 real ms at ×100 is at least 3 virtual seconds.
    expect(emu.control.now() - before).toBeGreaterThanOrEqual(2900);
  });

  it('passes a 2 s Retry-After in ~20 ms of real time at timeScale 100', async () => {
    const s = seeded({ timeScale: 100 });
    const send = () => s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
    for (let i = 0; i < 5; i++) await send();
    const limited = await send();
    expect(limited.statusCode).toBe(429);
    const retryMs = Number(limited.json().retry_after) * 1000;
    await new Promise((r) => setTimeout(r, Math.ceil(retryMs / 100) + 5));
    expect((await send()).statusCode).toBe(204);
  });

  it('changes limits on a running emulator and validates them', async () => {
    const s = seeded(noRateLimits);
    const res = await s.emu.app.inject({
      method: 'PATCH',
      url: '/__control/limits',
      payload: { maxFileBytes: 4, maxWebhooksPerChannel: 1 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ maxFileBytes: 4, maxRequestBytes: 25 * 1024 * 1024 });
    const big = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody([{ name: 'a.bin', data: '12345' }]),
    });
    expect(big.json().code).toBe(40005);
    expect(
      (await s.emu.app.inject({ method: 'PATCH', url: '/__control/limits', payload: { maxFileBytes: -1 } }))
        .statusCode,
    ).toBe(400);
    s.emu.control.reset();
    expect(s.emu.control.limits.maxFileBytes).toBe(10 * 1024 * 1024);
  });

  it('deletes every message of a channel, as a moderator would, and leaves other channels alone', async () => {
    const s = seeded(noRateLimits);
    const other = s.emu.control.seed({ guildId: s.guildId, channels: ['other'], webhooksPerChannel: 1 });
    const send = (path: string, name: string) =>
      s.emu.app.inject({ method: 'POST', url: `${path}?wait=true`, ...filesBody([{ name, data: name }]) });
    const first = (await send(s.webhookPath, 'a.bin')).json();
    await send(s.webhookPath, 'b.bin');
    const kept = (await send(other.channels[0]!.webhooks[0]!.path, 'c.bin')).json();

    const res = await s.emu.app.inject({ method: 'POST', url: `/__control/channels/${s.channelId}/purge` });
    expect(res.json()).toEqual({ deleted: 2 });
    const gone = await s.emu.app.inject({
      method: 'GET',
      url: `/api/v10/channels/${s.channelId}/messages/${first.id}`,
      headers: s.botAuth,
    });
    expect(gone.json().code).toBe(10008);
    const cdn = new URL(first.attachments[0].url as string);
    expect((await s.emu.app.inject({ method: 'GET', url: cdn.pathname + cdn.search })).statusCode).toBe(404);
    expect(s.emu.state.messages.has(kept.id)).toBe(true);
    expect(s.emu.control.stats()).toMatchObject({ messages: 1, attachments: 1 });
    const unknown = await s.emu.app.inject({ method: 'POST', url: '/__control/channels/1/purge' });
    expect(unknown.statusCode).toBe(404);
  });

  it('flips a byte of one stored attachment, and of no other in the same message', async () => {
    const s = seeded(noRateLimits);
    const message = (
      await s.emu.app.inject({
        method: 'POST',
        url: `${s.webhookPath}?wait=true`,
        ...filesBody([
          { name: 'a.bin', data: 'aaaa' },
          { name: 'b.bin', data: 'bbbb' },
        ]),
      })
    ).json();
    const [a, b] = message.attachments as { id: string; url: string }[];
    const res = await s.emu.app.inject({
      method: 'POST',
      url: `/__control/attachments/${a!.id}/corrupt`,
      payload: { offset: 1 },
    });
    expect(res.json()).toEqual({ offset: 1 });
    const read = async (url: string) => {
      const u = new URL(url);
      const got = await s.emu.app.inject({ method: 'GET', url: u.pathname + u.search });
      return { status: got.statusCode, bytes: got.rawPayload };
    };
    expect(await read(a!.url)).toEqual({ status: 200, bytes: Buffer.from([0x61, 0x61 ^ 0xff, 0x61, 0x61]) });
    expect((await read(b!.url)).bytes.toString()).toBe('bbbb');
    const outside = await s.emu.app.inject({
      method: 'POST',
      url: `/__control/attachments/${a!.id}/corrupt`,
      payload: { offset: 4 },
    });
    expect(outside.statusCode).toBe(400);
    const unknown = await s.emu.app.inject({ method: 'POST', url: '/__control/attachments/1/corrupt' });
    expect(unknown.statusCode).toBe(404);
  });

  it('reports stats: requests by route and status, largest body, live objects', async () => {
    const s = seeded(noRateLimits);
    await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody([{ name: 'a.bin', data: 'abcd' }]),
    });
    await s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: {} });
    const stats = (await s.emu.app.inject({ method: 'GET', url: '/__control/stats' })).json();
    expect(stats.requests['POST /api/v10/webhooks/:webhookId/:token']).toEqual({ 200: 1, 400: 1 });
    expect(stats).toMatchObject({ messages: 1, attachments: 1, attachmentBytes: 4 });
    expect(stats.largestRequestBytes).toBeGreaterThan(4);
  });
});

describe('fault injection', () => {
  it('answers 500 and 502 for the next N matching requests, then recovers', async () => {
    const s = seeded(noRateLimits);
    await s.emu.app.inject({
      method: 'POST',
      url: '/__control/faults',
      payload: { kind: 'status500', path: '/api/v10/webhooks/*', count: 2 },
    });
    s.emu.control.injectFault({ kind: 'status502', path: '/api/*/users/@me', method: 'GET', count: 1 });
    const send = () => s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
    const first = await send();
    expect(first.statusCode).toBe(500);
    expect(first.json()).toEqual({ message: '500: Internal Server Error', code: 0 });
    expect((await send()).statusCode).toBe(500);
    expect((await send()).statusCode).toBe(204);
    const gateway = await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth });
    expect(gateway.statusCode).toBe(502);
    expect(gateway.headers['content-type']).toMatch(/^text\/html/);
    expect(s.emu.control.faults()).toEqual([]);
    expect(s.emu.control.stats().faultsInjected).toMatchObject({ status500: 2, status502: 1 });
  });

  it('answers slowly', async () => {
    const s = seeded(noRateLimits);
    s.emu.control.injectFault({ kind: 'slow', path: '*', count: 1, delayMs: 150 });
    const started = performance.now();
    const res = await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth });
    expect(res.statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('sends a surprise 429 although the headers showed requests left', async () => {
    const s = seeded();
    const send = () => s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
    expect((await send()).headers['x-ratelimit-remaining']).toBe('4');
    s.emu.control.injectFault({
      kind: 'surprise429',
      path: '/api/v10/webhooks/*',
      count: 1,
      retryAfterMs: 2500,
    });
    const res = await send();
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ message: 'You are being rate limited.', retry_after: 2.5, global: false });
    expect(res.headers).toMatchObject({ 'retry-after': '3', 'x-ratelimit-scope': 'user' });
    expect(s.emu.context.invalid.count('127.0.0.1')).toBe(1);
  });

  describe('over a real connection', () => {
    let s: Seeded;
    let base: string;
    const start = async () => {
      s = seeded(noRateLimits);
      await s.emu.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(s.emu.app.server.address() as AddressInfo).port}`;
    };
    afterEach(() => s.emu.app.close());

    it('resets the connection', async () => {
      await start();
      s.emu.control.injectFault({ kind: 'reset', path: '/api/v10/users/@me', count: 1 });
      await expect(fetch(`${base}/api/v10/users/@me`, { headers: s.botAuth })).rejects.toThrow();
      const ok = await fetch(`${base}/api/v10/users/@me`, { headers: s.botAuth });
      expect(ok.status).toBe(200);
    });

    it('truncates a CDN body after announcing its full length', async () => {
      await start();
      const body = filesBody([{ name: 'a.bin', data: Buffer.alloc(256 * 1024, 1) }]);
      const sent = await fetch(`${base}${s.webhookPath}?wait=true`, {
        method: 'POST',
        headers: body.headers,
        body: body.payload,
      });
      const url = ((await sent.json()) as { attachments: { url: string }[] }).attachments[0]!.url;
      expect(url.startsWith(base)).toBe(true);
      s.emu.control.injectFault({ kind: 'truncate', path: '/attachments/*', count: 1 });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(256 * 1024));
      await expect(res.arrayBuffer()).rejects.toThrow();
      const whole = await fetch(url);
      expect((await whole.arrayBuffer()).byteLength).toBe(256 * 1024);
    });
  });
});
