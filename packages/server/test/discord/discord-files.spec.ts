import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '@idrive/shared';
import { startDiscordApp, type EmulatedDiscord } from '../helpers/discord.js';
import { Pattern } from '../helpers/pattern.js';
import { bearer, type TestApp } from '../helpers/test-app.js';

const MiB = 1024 * 1024;

/** Files through the whole pipeline (encryption, chunking, commit) onto the emulated Discord. */
describe('files stored on Discord', { timeout: 300_000 }, () => {
  let discord: EmulatedDiscord;
  let t: TestApp;
  let rootId: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ discord, t, rootId, close } = await startDiscordApp());
  });
  afterAll(() => close());

  it('round-trips a 200 MiB file, also after the clock moves 25 hours', async () => {
    const source = new Pattern('discord 200', 200 * MiB);
    const body = Buffer.concat([...source.pieces()]);
    const up = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${rootId}/files/big.bin`,
      headers: bearer(t.adminToken),
      payload: body,
    });
    expect(up.statusCode, up.body).toBe(201);
    const id = up.json<Item>().id;
    const info = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${id}/info`,
      headers: bearer(t.adminToken),
    });
    expect(info.json<{ storage: { stores: { store: string; chunks: number }[] } }>().storage.stores).toEqual([
      expect.objectContaining({ store: 'discord', chunks: 25 }),
    ]);

    const expected = createHash('sha256').update(body).digest('hex');
    const download = async () => {
      const res = await t.drive.app.inject({
        method: 'GET',
        url: `/api/v1/files/${id}/content`,
        headers: bearer(t.adminToken),
      });
      expect(res.statusCode).toBe(200);
      return createHash('sha256').update(res.rawPayload).digest('hex');
    };
    expect(await download()).toBe(expected);
    discord.emulator.control.advance(25 * 3_600_000);
    expect(await download()).toBe(expected);
    const range = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${id}/content`,
      headers: { ...bearer(t.adminToken), range: `bytes=${100 * MiB - 5}-${100 * MiB + 5}` },
    });
    expect(range.rawPayload.equals(body.subarray(100 * MiB - 5, 100 * MiB + 6))).toBe(true);
    // Chunks stored together share messages (three 8 MiB chunks fit in one).
    expect(discord.emulator.control.stats().attachments).toBe(25);
    expect(discord.emulator.control.stats().messages).toBeLessThanOrEqual(25);
  });
});
