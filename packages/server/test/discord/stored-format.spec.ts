import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE } from '@idrive/shared';
import { CHUNK_TRAILER_SIZE } from '../../src/storage/chunk-format.js';
import { identifyStored } from '../../src/storage/identify.js';
import { loadOrCreateMasterKey, type MasterKey } from '../../src/storage/master-key.js';
import { sealedSize } from '../../src/storage/segment-cipher.js';
import { startDiscordApp, type EmulatedDiscord } from '../helpers/discord.js';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import type { TestApp } from '../helpers/test-app.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Chunks and packs on the emulated Discord: each attachment says what it is, and the files read as before. */
describe('format-2 objects on Discord', { timeout: 300_000 }, () => {
  let discord: EmulatedDiscord;
  let t: TestApp;
  let rootId: string;
  let close: () => Promise<void>;
  let admin: DriveClient;
  let master: MasterKey;

  beforeAll(async () => {
    ({ discord, t, rootId, close } = await startDiscordApp());
    admin = driveClient(t, t.adminToken);
    ({ key: master } = await loadOrCreateMasterKey({
      keyFile: path.join(t.dataDir, 'master.key'),
      log: () => {},
    }));
  });
  afterAll(() => close());

  const chunksOf = async (itemId: string) => {
    const versionId = (await t.drive.repos.items.findById(itemId))!.version_id!;
    return { versionId, chunks: await t.drive.repos.versions.chunks(versionId) };
  };

  it('stores full chunks with their trailers under the attachment limit, and each identifies itself', async () => {
    const data = randomBytes(2 * DEFAULT_CHUNK_SIZE + 1000);
    const item = await admin.upload(rootId, 'big.bin', data);
    const { versionId, chunks } = await chunksOf(item.id);
    expect(chunks.map((c) => c.store)).toEqual(['discord', 'discord', 'discord']);
    const driveId = await t.drive.repos.drive.id();
    for (const chunk of chunks) {
      const stored = await discord.store.get(chunk.locator!);
      expect(stored.length).toBe(sealedSize(chunk.plain_size) + CHUNK_TRAILER_SIZE);
      expect(stored.length).toBeLessThanOrEqual(10 * 1024 * 1024);
      expect(await identifyStored(master, stored, { verify: true })).toMatchObject({
        kind: 'chunk',
        driveId,
        versionId,
        index: chunk.idx,
        plainSize: chunk.plain_size,
        final: chunk.idx === 2 ? { chunks: 3, fileSize: data.length, sha256: sha256(data) } : null,
      });
    }
    expect((await admin.content(item.id)).equals(data)).toBe(true);
    const border = DEFAULT_CHUNK_SIZE;
    const range = await admin.request('GET', `/files/${item.id}/content`, undefined, {
      range: `bytes=${border - 3}-${border + 2}`,
    });
    expect(range.rawPayload.equals(data.subarray(border - 3, border + 3))).toBe(true);
  });

  it('ends a pack of small files with the list of them, and each reads back', async () => {
    const folder = await admin.mkdir(rootId, 'small');
    const files = Array.from({ length: 40 }, (_, i) => ({
      path: `f${i}.bin`,
      data: randomBytes(100 + 50 * i),
    }));
    const items = (await admin.batch(folder.id, files)).map((r) => r.item!);
    const { chunks } = await chunksOf(items[0]!.id);
    const identity = await identifyStored(master, await discord.store.get(chunks[0]!.locator!), {
      verify: true,
    });
    expect(identity.kind).toBe('pack');
    if (identity.kind !== 'pack') return;
    expect(identity.packId).toBe(chunks[0]!.pack_id);
    const versions = await Promise.all(items.map(async (item) => (await chunksOf(item.id)).versionId));
    expect(identity.entries.map((e) => [e.versionId, e.sha256, e.damage])).toEqual(
      files.map((f, i) => [versions[i], sha256(f.data), undefined]),
    );
    for (const [i, item] of items.entries())
      expect((await admin.content(item.id)).equals(files[i]!.data)).toBe(true);
  });
});
