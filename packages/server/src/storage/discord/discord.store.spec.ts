import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { emulatedDiscord, type EmulatedDiscord } from '../../../test/helpers/discord.js';
import { ChunkMissingError } from '../errors.js';
import type { DiscordRequest, DiscordResponse } from './discord-http.js';
import { DiscordScheduler } from './discord-scheduler.js';
import { DiscordChunkStore as Store, type DiscordChunkStore } from './discord.store.js';
import { MultipartBody } from './multipart.js';
import { MemoryRateLimitState } from './rate-limit-state.js';
import { SignedUrlCache } from './signed-url-cache.js';

const HOUR = 3_600_000;

/** The chunk store against the emulator, with Discord's default limits. */
describe('DiscordChunkStore against the emulator', () => {
  let discord: EmulatedDiscord;
  let emulator: EmulatedDiscord['emulator'];
  let store: DiscordChunkStore;

  beforeAll(async () => {
    discord = await emulatedDiscord();
    emulator = discord.emulator;
    store = discord.store;
  });
  afterAll(() => discord.close());
  beforeEach(() => emulator.control.clearFaults());

  const cdnStatuses = () =>
    Object.entries(emulator.control.stats().requests)
      .filter(([route]) => route.includes('/attachments/'))
      .map(([, byStatus]) => byStatus);

  it('stores a chunk as an attachment and reads it back whole and by range', async () => {
    const data = randomBytes(8 * 1024 * 1024 + 2048);
    const locator = await store.put('7e0e7f1c-9a4f-4b8a-8f60-0d7b1a1c2d3e', data);
    expect(locator).toMatch(/^\d+\/\d+\/\d+\/7e0e7f1c-9a4f-4b8a-8f60-0d7b1a1c2d3e\.bin$/);
    expect((await store.get(locator)).equals(data)).toBe(true);
    expect((await store.get(locator, { start: 1000, end: 70_000 })).equals(data.subarray(1000, 70_000))).toBe(
      true,
    );
    const into = Buffer.alloc(100);
    const read = await store.get(locator, { start: 5, end: 105 }, into);
    expect(read).toBe(into);
    expect(into.equals(data.subarray(5, 105))).toBe(true);
  });

  it('puts a copy alone in a message of a channel apart, and looks for copies without reading them', async () => {
    const data = randomBytes(50_000);
    const first = await store.put('22222222-3333-4444-8555-666666666666', data);
    const channels = discord.seeded.channels.map((c) => c.id);
    expect(store.places().sort()).toEqual([...channels].sort());
    const apart = await store.putApart('33333333-4444-4555-8666-777777777777', data, [store.placeOf(first)]);
    expect(store.placeOf(apart)).not.toBe(store.placeOf(first));
    expect(store.containerOf(apart)).not.toBe(store.containerOf(first));
    expect((await store.get(apart)).equals(data)).toBe(true);
    // Nowhere left apart: refused before anything is sent.
    const messages = emulator.control.stats().messages;
    await expect(store.putApart('44444444-5555-4666-8777-888888888888', data, channels)).rejects.toThrow(
      /No storage channel is left/,
    );
    expect(emulator.control.stats().messages).toBe(messages);

    emulator.control.purgeChannel(store.placeOf(apart));
    const found = await store.probe([first, apart]);
    expect(found.get(first)).toBe('present');
    expect(found.get(apart)).toBe('missing');
  });

  it('still reads after 25 hours, without ever using an expired URL', async () => {
    const data = randomBytes(100_000);
    const locator = await store.put('11111111-2222-4333-8444-555555555555', data);
    expect((await store.get(locator)).equals(data)).toBe(true);
    emulator.control.advance(25 * HOUR);
    expect((await store.get(locator)).equals(data)).toBe(true);
    // Every CDN answer was a success: no expired (404) URL was ever sent.
    for (const byStatus of cdnStatuses())
      expect(Object.keys(byStatus).every((s) => s.startsWith('2'))).toBe(true);
  });

  it('finding 19: without the Message Content intent, a URL is still refreshed from the message when refresh-urls fails', async () => {
    const data = randomBytes(2000);
    const locator = await store.put('12121212-3434-4565-8787-909090909090', data);
    emulator.control.advance(25 * HOUR);
    // The bot reads the message blanked; the webhook that posted it reads the attachment.
    emulator.control.injectFault({ kind: 'status500', path: '/api/v10/attachments/refresh-urls', count: 5 });
    expect((await store.get(locator)).equals(data)).toBe(true);
    const webhookReads = Object.entries(emulator.control.stats().requests).filter(
      ([route]) => route.startsWith('GET') && route.includes('/webhooks/') && route.includes('/messages/'),
    );
    expect(webhookReads.length).toBeGreaterThan(0);
  });

  it('survives 5xx bursts, reset connections and truncated CDN bodies with the right bytes', async () => {
    const data = randomBytes(300_000);
    emulator.control.injectFault({ kind: 'status502', path: '/api/v10/webhooks/*', count: 2 });
    const locator = await store.put('22222222-3333-4444-8555-666666666666', data);
    emulator.control.injectFault({ kind: 'truncate', path: '/attachments/*', count: 1 });
    expect((await store.get(locator)).equals(data)).toBe(true);
    emulator.control.injectFault({ kind: 'reset', path: '/attachments/*', count: 1 });
    expect((await store.get(locator, { start: 10, end: 20 })).equals(data.subarray(10, 20))).toBe(true);
  });

  it('deletes, and reports a deleted chunk as missing, never as other bytes', async () => {
    const locator = await store.put('33333333-4444-4555-8666-777777777777', randomBytes(1000));
    await store.delete(locator);
    await expect(store.get(locator)).rejects.toBeInstanceOf(ChunkMissingError);
    // Deleting again is not an error.
    await store.delete(locator);
  });

  it('deletes many chunks with bulk delete where Discord allows it, and one by one where not', async () => {
    const old = [];
    for (let i = 0; i < 4; i++)
      old.push(await store.put(`4444444${i}-5555-4666-8777-888888888888`, randomBytes(500)));
    emulator.control.advance(15 * 24 * HOUR);
    const recent = [];
    for (let i = 0; i < 6; i++)
      recent.push(await store.put(`5555555${i}-6666-4777-8888-999999999999`, randomBytes(500)));
    const before = emulator.control.stats().requests;
    // Successful answers only: a 429 on the way (bulk delete has a tight per-guild limit) is retried.
    const count = (requests: typeof before, part: string) =>
      Object.entries(requests)
        .filter(([route]) => route.includes(part))
        .reduce((sum, [, byStatus]) => sum + (byStatus['204'] ?? 0), 0);

    const errors = await store.deleteMany([...old, ...recent]);
    expect(errors.size).toBe(0);
    const after = emulator.control.stats().requests;
    // The six recent messages are in two channels: one bulk request each; the four old ones singly.
    expect(count(after, 'bulk-delete') - count(before, 'bulk-delete')).toBe(2);
    expect(count(after, 'DELETE') - count(before, 'DELETE')).toBe(4);
    for (const locator of [...old, ...recent])
      await expect(store.get(locator)).rejects.toBeInstanceOf(ChunkMissingError);
  });

  it('sends chunks stored together in one message, within the 25 MiB request limit', async () => {
    const chunks = [0, 1, 2, 3].map(() => randomBytes(8 * 1024 * 1024 + 2048));
    const locators = await Promise.all(
      chunks.map((c, i) => store.put(`6666666${i}-7777-4888-8999-aaaaaaaaaaaa`, c)),
    );
    const messages = locators.map((l) => l.split('/')[1]);
    // Three full chunks fill a request; the fourth goes in the next message.
    expect(new Set(messages).size).toBe(2);
    expect(messages[0]).toBe(messages[2]);
    for (const [i, locator] of locators.entries())
      expect((await store.get(locator)).equals(chunks[i]!)).toBe(true);
    expect(emulator.control.stats().largestRequestBytes).toBeLessThanOrEqual(25 * 1024 * 1024);
  });
});

const CHUNK = 8 * 1024 * 1024 + 2048;

/**
 * The store over a real scheduler and a scripted Discord, on a fake clock: each message is
 * answered at once, and Discord announces `remaining` messages left in the webhook's window.
 */
function batching(remaining: () => number) {
  const messages: { at: number; files: number }[] = [];
  let n = 0;
  const send = (req: DiscordRequest): Promise<DiscordResponse> => {
    const body = req.body!() as MultipartBody;
    const id = String(1_000 + n++);
    messages.push({ at: Date.now(), files: body.files.length });
    const json = {
      id,
      channel_id: '1',
      attachments: body.files.map((f, i) => ({
        id: `${id}${i}`,
        filename: f.filename,
        size: f.data.byteLength,
        url: `http://cdn.test/${id}/${f.filename}?ex=ffffffff&is=0&hm=0&`,
      })),
    };
    const headers = new Headers({
      'content-type': 'application/json',
      'x-ratelimit-remaining': String(remaining()),
      'x-ratelimit-reset-after': '2',
    });
    return Promise.resolve({ status: 200, headers, json });
  };
  const scheduler = new DiscordScheduler({
    http: { send },
    webhooks: [{ id: '101', token: 'a', channelId: '1' }],
    bots: [],
    state: new MemoryRateLimitState({
      channel: { limit: 30, windowMs: 60_000 },
      global: { limit: 50, windowMs: 1_000 },
      invalidWindowMs: 600_000,
    }),
    log: pino({ level: 'silent' }),
  });
  const store = new Store({
    scheduler,
    urls: new SignedUrlCache(scheduler, 'http://cdn.test', Date.now),
    maxAttachmentBytes: 10 * 1024 * 1024,
    typicalChunkBytes: CHUNK,
    now: Date.now,
    channels: () => ['1'],
    webhookIds: () => ['101'],
  });
  return { store, messages };
}

describe('DiscordChunkStore batching, on a fake clock', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('sends a lone chunk at once when a webhook is free and no other chunk is coming', async () => {
    const { store, messages } = batching(() => 4);
    const stored = store.put('a', randomBytes(1000));
    await vi.advanceTimersByTimeAsync(0);
    expect(messages).toEqual([{ at: Date.now(), files: 1 }]);
    await expect(stored).resolves.toMatch(/^1\/1000\/10000\/a\.bin$/);
  });

  it('holds a partial message for a promised chunk while a webhook is free, and puts three in one message', async () => {
    const { store, messages } = batching(() => 4);
    // A writer: each chunk but the last promises the next, which arrives 300 ms later.
    let promise = store.incoming();
    const puts = [store.put('a', randomBytes(CHUNK))];
    for (const key of ['b', 'c']) {
      await vi.advanceTimersByTimeAsync(300);
      expect(messages).toHaveLength(0);
      const kept = promise;
      if (key === 'b') promise = store.incoming();
      puts.push(store.put(key, randomBytes(CHUNK)));
      kept.done();
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(messages.map((m) => m.files)).toEqual([3]);
    expect(new Set((await Promise.all(puts)).map((l) => l.split('/')[1])).size).toBe(1);
  });

  it('stops holding a free webhook for a promise that is not kept in time', async () => {
    const { store, messages } = batching(() => 4);
    store.incoming();
    const started = Date.now();
    const stored = store.put('a', randomBytes(1000));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(messages).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.at - started).toBeGreaterThanOrEqual(2_000);
    expect(messages[0]!.at - started).toBeLessThan(2_050);
    await stored;
  });

  it('lets a partial message gather chunks while no webhook is free, however long that is', async () => {
    // The webhook's window is used up after the first message, for 2 s.
    let left = 0;
    const { store, messages } = batching(() => left);
    const first = store.put('first', randomBytes(1000));
    await vi.advanceTimersByTimeAsync(0);
    await first;
    const started = Date.now();
    // Nothing is promised: with a webhook free, each chunk would go alone.
    const puts = [store.put('a', randomBytes(CHUNK))];
    await vi.advanceTimersByTimeAsync(1_500);
    puts.push(store.put('b', randomBytes(CHUNK)));
    left = 4;
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(puts);
    expect(messages.map((m) => m.files)).toEqual([1, 2]);
    // It went once the window reset (2 s, plus the time Discord's answer took: none here).
    expect(messages[1]!.at - started).toBeGreaterThanOrEqual(2_000);
    expect(messages[1]!.at - started).toBeLessThan(2_050);
  });
});
