import { describe, expect, it } from 'vitest';
import { snowflakeTimestamp } from '../snowflake.js';
import { filesBody, multipart, noRateLimits, seeded } from '../test-support.js';

const MiB = 1024 * 1024;

describe('execute webhook', () => {
  it('answers wait=true with the message and wait=false with an empty 204', async () => {
    const s = seeded(noRateLimits);
    const withWait = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      payload: { content: 'hello' },
    });
    expect(withWait.statusCode).toBe(200);
    const message = withWait.json();
    expect(message).toMatchObject({
      content: 'hello',
      channel_id: s.channelId,
      webhook_id: s.webhookId,
      type: 0,
    });
    expect(message.author).toMatchObject({ id: s.webhookId, username: 'idrive-1', bot: true });
    expect(message.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

    const noWait = await s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { content: 'x' } });
    expect(noWait.statusCode).toBe(204);
    expect(noWait.body).toBe('');
    expect(s.emu.state.messages.size).toBe(2);

    const falseWait = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=False`,
      payload: { content: 'x' },
    });
    expect(falseWait.statusCode).toBe(204);
    const badWait = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=yes`,
      payload: { content: 'x' },
    });
    expect(badWait.statusCode).toBe(400);
    expect(badWait.json().code).toBe(50035);
  });

  it('takes the author name from `username` and works under /api/v9 too', async () => {
    const s = seeded(noRateLimits);
    const res = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath.replace('/v10/', '/v9/')}?wait=1`,
      payload: { content: 'x', username: 'chunker' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().author).toMatchObject({ id: s.webhookId, username: 'chunker' });
  });

  it('makes increasing 19-digit snowflakes carrying the virtual time', async () => {
    const s = seeded({ ...noRateLimits, startTimeMs: Date.UTC(2026, 0, 1) });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await s.emu.app.inject({
        method: 'POST',
        url: `${s.webhookPath}?wait=true`,
        ...filesBody([{ name: 'a.bin', data: 'x' }]),
      });
      const m = res.json();
      ids.push(m.attachments[0].id, m.id);
    }
    for (const id of ids) expect(id).toMatch(/^\d{19}$/);
    const sorted = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(ids).toEqual(sorted);
    expect(new Set(ids).size).toBe(ids.length);
    expect(snowflakeTimestamp(ids[0]!)).toBe(Date.UTC(2026, 0, 1));
    s.emu.control.advance(60_000);
    const later = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      payload: { content: 'x' },
    });
    expect(snowflakeTimestamp(later.json().id)).toBe(Date.UTC(2026, 0, 1) + 60_000);
    expect(later.json().timestamp).toBe('2026-01-01T00:01:00.000000+00:00');
  });

  it('matches files[n] to attachments[].id = n and cleans file names', async () => {
    const s = seeded(noRateLimits);
    const body = multipart([
      {
        name: 'payload_json',
        data: JSON.stringify({
          content: 'two',
          attachments: [
            { id: 1, filename: 'second.bin', description: 'the second' },
            { id: 0, filename: ' my file (1).bin' },
          ],
        }),
      },
      { name: 'files[0]', filename: 'ignored.bin', data: 'AAAA' },
      { name: 'files[1]', filename: 'also-ignored.bin', contentType: 'application/x-custom', data: 'BB' },
    ]);
    const res = await s.emu.app.inject({ method: 'POST', url: `${s.webhookPath}?wait=true`, ...body });
    expect(res.statusCode).toBe(200);
    const [first, second] = res.json().attachments;
    expect(first).toMatchObject({ filename: 'my_file_1.bin', title: ' my file (1)', size: 4 });
    expect(first.content_type).toBe('application/octet-stream');
    expect(second).toMatchObject({ filename: 'second.bin', description: 'the second', size: 2 });
    expect(second.content_type).toBe('application/x-custom');
    for (const a of [first, second]) {
      expect(Object.keys(a)).toEqual(
        expect.arrayContaining(['id', 'filename', 'size', 'url', 'proxy_url', 'content_type']),
      );
      expect(a.url).toContain(`/attachments/${s.channelId}/${a.id}/${a.filename}?ex=`);
      expect(a.url).toMatch(/&hm=[0-9a-f]{64}&$/);
    }
  });

  it('keeps plain ASCII names like c000123.bin unchanged', async () => {
    const s = seeded(noRateLimits);
    const res = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody([{ name: 'c000123.bin', data: 'x' }]),
    });
    const a = res.json().attachments[0];
    expect(a.filename).toBe('c000123.bin');
    expect(a.title).toBeUndefined();
  });

  it('refuses a file of 10 MiB + 1 byte with 413 / 40005 but takes exactly 10 MiB', async () => {
    const s = seeded(noRateLimits);
    const tooBig = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody([{ name: 'big.bin', data: Buffer.alloc(10 * MiB + 1) }]),
    });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toEqual({ message: 'Request entity too large', code: 40005 });
    const fits = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody([
        { name: 'a.bin', data: Buffer.alloc(10 * MiB) },
        { name: 'b.bin', data: Buffer.alloc(10 * MiB) },
      ]),
    });
    expect(fits.statusCode).toBe(200);
    expect(s.emu.control.stats()).toMatchObject({ attachments: 2, attachmentBytes: 20 * MiB });
  });

  it('refuses a request over 25 MiB with 413 / 40005 even when every file fits', async () => {
    const s = seeded(noRateLimits);
    const res = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody([
        { name: 'a.bin', data: Buffer.alloc(9 * MiB) },
        { name: 'b.bin', data: Buffer.alloc(9 * MiB) },
        { name: 'c.bin', data: Buffer.alloc(8 * MiB) },
      ]),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ message: 'Request entity too large', code: 40005 });
    expect(s.emu.control.stats().largestRequestBytes).toBeGreaterThan(26 * MiB);
  });

  it('refuses more than 10 attachments with 30015', async () => {
    const s = seeded(noRateLimits);
    const files = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.bin`, data: 'x' }));
    const res = await s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody(files),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      message: 'Maximum number of attachments in a message reached (10)',
      code: 30015,
    });
  });

  it('refuses an empty message with 50006 and a bad body with 50035 / 50109', async () => {
    const s = seeded(noRateLimits);
    const empty = await s.emu.app.inject({ method: 'POST', url: s.webhookPath, payload: { username: 'x' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual({ message: 'Cannot send an empty message', code: 50006 });

    const wrongType = await s.emu.app.inject({
      method: 'POST',
      url: s.webhookPath,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json()).toMatchObject({ message: 'Invalid Form Body', code: 50035 });
    expect(wrongType.json().errors._errors[0].code).toBe('CONTENT_TYPE_INVALID');

    const tooLong = await s.emu.app.inject({
      method: 'POST',
      url: s.webhookPath,
      payload: { content: 'x'.repeat(2001) },
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toEqual({
      message: 'Invalid Form Body',
      code: 50035,
      errors: {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      },
    });

    const badJson = await s.emu.app.inject({
      method: 'POST',
      url: s.webhookPath,
      headers: { 'content-type': 'application/json' },
      payload: '{nope',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({ message: 'The request body contains invalid JSON.', code: 50109 });
  });

  it('answers a wrong token with 401 / 50027 and an unknown webhook with 404 / 10015', async () => {
    const s = seeded(noRateLimits);
    const wrong = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/webhooks/${s.webhookId}/not-the-token`,
      payload: { content: 'x' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ message: 'Invalid Webhook Token', code: 50027 });
    const unknown = await s.emu.app.inject({
      method: 'POST',
      url: `/api/v10/webhooks/1234567890123456789/token`,
      payload: { content: 'x' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ message: 'Unknown Webhook', code: 10015 });
  });

  it('gets, edits (v10 keep-list) and deletes its own messages', async () => {
    const s = seeded(noRateLimits);
    const sent = (
      await s.emu.app.inject({
        method: 'POST',
        url: `${s.webhookPath}?wait=true`,
        ...filesBody([
          { name: 'a.bin', data: 'aaa' },
          { name: 'b.bin', data: 'bb' },
        ]),
      })
    ).json();
    const url = `${s.webhookPath}/messages/${sent.id}`;
    const got = await s.emu.app.inject({ method: 'GET', url });
    expect(got.statusCode).toBe(200);
    expect(got.json().attachments).toHaveLength(2);

    const keepFirst = multipart([
      {
        name: 'payload_json',
        data: JSON.stringify({ attachments: [{ id: sent.attachments[0].id }, { id: 0, filename: 'c.bin' }] }),
      },
      { name: 'files[0]', filename: 'c.bin', data: 'cccc' },
    ]);
    const edited = await s.emu.app.inject({ method: 'PATCH', url, ...keepFirst });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().attachments.map((a: { filename: string }) => a.filename)).toEqual([
      'a.bin',
      'c.bin',
    ]);
    expect(edited.json().edited_timestamp).not.toBeNull();
    expect(s.emu.control.stats()).toMatchObject({ attachments: 2, attachmentBytes: 7 });

    const del = await s.emu.app.inject({ method: 'DELETE', url });
    expect(del.statusCode).toBe(204);
    const gone = await s.emu.app.inject({ method: 'GET', url });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ message: 'Unknown Message', code: 10008 });
    expect(s.emu.control.stats()).toMatchObject({ messages: 0, attachments: 0, attachmentBytes: 0 });
  });

  it('does not hand out messages another webhook sent', async () => {
    const s = seeded(noRateLimits);
    const other = s.emu.control.seed({
      guildId: s.guildId,
      channels: ['other'],
      webhooksPerChannel: 1,
      bots: [],
    });
    const otherPath = other.channels[0]!.webhooks[0]!.path;
    const sent = (
      await s.emu.app.inject({ method: 'POST', url: `${otherPath}?wait=true`, payload: { content: 'x' } })
    ).json();
    const res = await s.emu.app.inject({ method: 'GET', url: `${s.webhookPath}/messages/${sent.id}` });
    expect(res.json()).toEqual({ message: 'Unknown Message', code: 10008 });
  });
});

describe('unused message slots per channel', () => {
  const post = (s: ReturnType<typeof seeded>, files = 1) =>
    s.emu.app.inject({
      method: 'POST',
      url: `${s.webhookPath}?wait=true`,
      ...filesBody(Array.from({ length: files }, (_, i) => ({ name: `c${i}.bin`, data: 'x' }))),
    });

  it('counts the slots a closed window left and the time before the next window opened', async () => {
    // The webhook bucket is 5 per 2 s, its window opening with its first request.
    const s = seeded();
    for (let i = 0; i < 3; i++) expect((await post(s, 3)).statusCode).toBe(200);
    // Window 1 closes with 2 of 5 slots unused; 1 s passes before window 2 opens: 2.5 slots more.
    s.emu.control.advance(3_000);
    for (let i = 0; i < 5; i++) expect((await post(s)).statusCode).toBe(200);
    // A sixth is refused until window 2 resets; the caller comes back 400 ms after that: 1 slot.
    expect((await post(s)).statusCode).toBe(429);
    s.emu.control.advance(2_400);
    expect((await post(s)).statusCode).toBe(200);
    // Window 3 is still open: it is not counted yet.
    expect(s.emu.control.stats().channels[s.channelId]).toEqual({
      messages: 9,
      attachments: 15,
      used: 8,
      unused: { idle: 5.5, backoff: 0, channelFull: 0 },
    });
    // Once it closes, its four unused slots count; the time after it counts for nothing.
    s.emu.control.advance(60_000);
    expect(s.emu.control.stats().channels[s.channelId]!.unused).toEqual({
      idle: 9.5,
      backoff: 0,
      channelFull: 0,
    });
  });

  it('puts slots the channel limit took away under channelFull and backoff, and forgets them on reset', async () => {
    const s = seeded({ limits: { rateLimits: { buckets: { webhookChannelShared: { limit: 2 } } } } });
    for (let i = 0; i < 2; i++) expect((await post(s)).statusCode).toBe(200);
    s.emu.control.advance(2_000);
    // The channel's 2 a minute are used up: the webhook window's 3 other slots could not be used.
    expect(s.emu.control.stats().channels[s.channelId]!.unused).toEqual({
      idle: 0,
      backoff: 0,
      channelFull: 3,
    });
    // Refused by the channel's shared limit, the caller waits: the next webhook window is back-off.
    expect((await post(s)).statusCode).toBe(429);
    s.emu.control.advance(10_000);
    const channel = s.emu.control.stats().channels[s.channelId]!;
    expect(channel.used).toBe(2);
    expect(channel.unused).toEqual({ idle: 0, backoff: 5, channelFull: 3 });
    s.emu.control.reset();
    expect(s.emu.control.stats().channels).toEqual({});
  });
});
