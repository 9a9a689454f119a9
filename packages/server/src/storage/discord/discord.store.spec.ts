import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatedDiscord, type EmulatedDiscord } from '../../../test/helpers/discord.js';
import { ChunkMissingError } from '../errors.js';
import type { DiscordChunkStore } from './discord.store.js';

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
