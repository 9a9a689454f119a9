import { describe, expect, it } from 'vitest';
import { filesBody, noRateLimits, seeded } from '../test-support.js';

const DAY = 24 * 3600 * 1000;

describe('bot routes', () => {
  it('answers a missing or unknown bot token with 401 / 0', async () => {
    const s = seeded(noRateLimits);
    for (const headers of [
      {},
      { authorization: 'Bot nope' },
      { authorization: s.botAuth.authorization.slice(4) },
    ]) {
      const res = await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: '401: Unauthorized', code: 0 });
    }
    const me = await s.emu.app.inject({ method: 'GET', url: '/api/v10/users/@me', headers: s.botAuth });
    expect(me.json()).toMatchObject({ id: s.seed.bots[0]!.id, bot: true });
  });

  it('answers unknown routes, channels and messages with Discord bodies', async () => {
    const s = seeded(noRateLimits);
    const route = await s.emu.app.inject({ method: 'GET', url: '/api/v10/nothing/here', headers: s.botAuth });
    expect(route.json()).toEqual({ message: '404: Not Found', code: 0 });
    const channel = await s.emu.app.inject({
      method: 'GET',
      url: '/api/v10/channels/1234567890123456789/messages/1234567890123456789',
      headers: s.botAuth,
    });
    expect(channel.statusCode).toBe(404);
    expect(channel.json()).toEqual({ message: 'Unknown Channel', code: 10003 });
    const message = await s.emu.app.inject({
      method: 'GET',
      url: `/api/v10/channels/${s.channelId}/messages/1234567890123456789`,
      headers: s.botAuth,
    });
    expect(message.statusCode).toBe(404);
    expect(message.json()).toEqual({ message: 'Unknown Message', code: 10008 });
  });

  it('answers a missing permission with 403 / 50013', async () => {
    const s = seeded(noRateLimits);
    const readOnly = s.emu.control.seed({ guildId: s.guildId, bots: [{ permissions: ['VIEW_CHANNEL'] }] })
      .bots[0]!;
    const res = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/channels/${s.channelId}/messages`,
      headers: { authorization: `Bot ${readOnly.token}` },
      payload: { content: 'x' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ message: 'Missing Permissions', code: 50013 });

    // Deleting a webhook's message needs MANAGE_MESSAGES.
    const sent = (
      await s.emu.app.inject({ method: 'POST', url: `${s.webhookPath}?wait=true`, payload: { content: 'x' } })
    ).json();
    const del = await s.emu.app.inject({
      method: 'DELETE',
      url: `/api/v10/channels/${s.channelId}/messages/${sent.id}`,
      headers: { authorization: `Bot ${readOnly.token}` },
    });
    expect(del.json()).toEqual({ message: 'Missing Permissions', code: 50013 });
  });

  it('creates, reads and deletes messages with files', async () => {
    const s = seeded(noRateLimits);
    const body = filesBody([{ name: 'c1.bin', data: 'abc' }]);
    const created = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/channels/${s.channelId}/messages`,
      headers: { ...s.botAuth, ...body.headers },
      payload: body.payload,
    });
    expect(created.statusCode).toBe(200);
    const m = created.json();
    expect(m.author).toMatchObject({ id: s.seed.bots[0]!.id, bot: true });
    expect(m.webhook_id).toBeUndefined();
    const url = `/api/v10/channels/${s.channelId}/messages/${m.id}`;
    const got = await s.emu.app.inject({ method: 'GET', url, headers: s.botAuth });
    expect(got.json().attachments[0]).toMatchObject({ filename: 'c1.bin', size: 3 });
    const list = await s.emu.app.inject({
      method: 'GET',
      url: `/api/v10/channels/${s.channelId}/messages?limit=10`,
      headers: s.botAuth,
    });
    expect(list.json().map((x: { id: string }) => x.id)).toEqual([m.id]);
    expect((await s.emu.app.inject({ method: 'DELETE', url, headers: s.botAuth })).statusCode).toBe(204);
    expect((await s.emu.app.inject({ method: 'GET', url, headers: s.botAuth })).statusCode).toBe(404);
  });

  it('de-duplicates resends with nonce + enforce_nonce', async () => {
    const s = seeded(noRateLimits);
    const send = () =>
      s.emu.app.inject({
        method: 'POST',
        url: `/api/v10/channels/${s.channelId}/messages`,
        headers: s.botAuth,
        payload: { content: 'x', nonce: 'n-1', enforce_nonce: true },
      });
    const a = (await send()).json();
    const b = (await send()).json();
    expect(b.id).toBe(a.id);
    expect(a.nonce).toBe('n-1');
  });
});

describe('bulk delete', () => {
  const setup = async (count: number) => {
    const s = seeded(noRateLimits);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await s.emu.app.inject({
        method: 'POST',
        url: `${s.webhookPath}?wait=true`,
        payload: { content: `${i}` },
      });
      ids.push(res.json().id);
    }
    const bulk = (messages: unknown) =>
      s.emu.app.inject({
        method: 'POST',
        url: `/api/v10/channels/${s.channelId}/messages/bulk-delete`,
        headers: s.botAuth,
        payload: { messages },
      });
    return { s, ids, bulk };
  };

  it('deletes 2–100 messages, counting unknown ids', async () => {
    const { s, ids, bulk } = await setup(3);
    const res = await bulk([ids[0], ids[1], String(BigInt(ids[2]!) + 100n)]);
    expect(res.statusCode).toBe(204);
    expect(s.emu.state.messages.size).toBe(1);
  });

  it('refuses fewer than 2 or more than 100 ids with 50016', async () => {
    const { ids, bulk } = await setup(1);
    const one = await bulk([ids[0]]);
    expect(one.statusCode).toBe(400);
    expect(one.json().code).toBe(50016);
    const many = await bulk(Array.from({ length: 101 }, (_, i) => String(1234567890123456789n + BigInt(i))));
    expect(many.statusCode).toBe(400);
    expect(many.json().code).toBe(50016);
  });

  it('refuses duplicates and non-snowflakes with 50035', async () => {
    const { ids, bulk } = await setup(1);
    expect((await bulk([ids[0], ids[0]])).json().code).toBe(50035);
    expect((await bulk([ids[0], 'abc'])).json().code).toBe(50035);
  });

  it('refuses any message older than 14 days with 50034', async () => {
    const { s, ids, bulk } = await setup(2);
    s.emu.control.advance(14 * DAY + 1000);
    const res = await bulk(ids);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ message: 'A message provided was too old to bulk delete', code: 50034 });
    expect(s.emu.state.messages.size).toBe(2);
  });
});

describe('channels and webhooks', () => {
  it('creates and lists guild channels (201) and webhooks', async () => {
    const s = seeded(noRateLimits);
    const created = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/guilds/${s.guildId}/channels`,
      headers: s.botAuth,
      payload: { name: 'Chunks 2', type: 0 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'chunks-2', type: 0, guild_id: s.guildId });
    const list = await s.emu.app.inject({
      method: 'GET',
      url: `/api/v10/guilds/${s.guildId}/channels`,
      headers: s.botAuth,
    });
    expect(list.json()).toHaveLength(2);

    const hook = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/channels/${created.json().id}/webhooks`,
      headers: s.botAuth,
      payload: { name: 'uploader' },
    });
    expect(hook.statusCode).toBe(200);
    expect(hook.json()).toMatchObject({ type: 1, name: 'uploader', channel_id: created.json().id });
    expect(hook.json().token).toEqual(expect.any(String));
    const posted = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/webhooks/${hook.json().id}/${hook.json().token}?wait=true`,
      payload: { content: 'works' },
    });
    expect(posted.statusCode).toBe(200);
    const hooks = await s.emu.app.inject({
      method: 'GET',
      url: `/api/v10/channels/${created.json().id}/webhooks`,
      headers: s.botAuth,
    });
    expect(hooks.json()).toHaveLength(1);
  });

  it('deletes a channel with its messages and webhooks, answering the channel', async () => {
    const s = seeded(noRateLimits);
    const channel = s.emu.state.channels.get(s.channelId)!;
    const webhook = [...channel.webhookIds][0]!;
    await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/channels/${s.channelId}/messages`,
      headers: s.botAuth,
      payload: { content: 'gone with it' },
    });
    const deleted = await s.emu.app.inject({
      method: 'DELETE',
      url: `/api/v10/channels/${s.channelId}`,
      headers: s.botAuth,
    });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ id: s.channelId });
    expect(s.emu.state.messages.size).toBe(0);
    expect(s.emu.state.webhooks.has(webhook)).toBe(false);
    const again = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/channels/${s.channelId}/messages`,
      headers: s.botAuth,
      payload: { content: 'too late' },
    });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 10003 });
  });

  it('keeps a channel topic of up to 1024 characters, and refuses a longer one with 50035', async () => {
    const s = seeded(noRateLimits);
    const create = (topic: string) =>
      s.emu.app.inject({
        method: 'POST',
        url: `/api/v10/guilds/${s.guildId}/channels`,
        headers: s.botAuth,
        payload: { name: 'control', type: 0, topic },
      });
    const kept = await create('t'.repeat(1024));
    expect(kept.statusCode).toBe(201);
    expect(kept.json().topic).toHaveLength(1024);
    const refused = await create('t'.repeat(1025));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 50035,
      errors: { topic: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } },
    });
  });

  it('refuses a 16th webhook in a channel with 30007 and names with "discord"', async () => {
    const s = seeded(noRateLimits);
    const create = (name: string) =>
      s.emu.app.inject({
        method: 'POST',
        url: `/api/v10/channels/${s.channelId}/webhooks`,
        headers: s.botAuth,
        payload: { name },
      });
    for (let i = 2; i <= 15; i++) expect((await create(`hook-${i}`)).statusCode).toBe(200);
    const sixteenth = await create('hook-16');
    expect(sixteenth.statusCode).toBe(400);
    expect(sixteenth.json()).toEqual({ message: 'Maximum number of webhooks reached (15)', code: 30007 });
    expect((await create('my Discord hook')).json().code).toBe(50035);
  });

  it('sends no rate-limit headers when creating a webhook', async () => {
    const s = seeded();
    const res = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/channels/${s.channelId}/webhooks`,
      headers: s.botAuth,
      payload: { name: 'x' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
  });
});
