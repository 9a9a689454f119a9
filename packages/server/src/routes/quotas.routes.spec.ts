import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FileVersionList, Item, Share } from '@idrive/shared';
import { multipart } from '../../test/helpers/drive-client.js';
import { send } from '../../test/helpers/http-client.js';
import {
  expectQuotaExceeded,
  footprint,
  setQuota,
  usageOf,
  userWithQuota,
  type QuotaClient,
} from '../../test/helpers/quota-fixtures.js';
import { bearer, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const CHUNK = 65536;
const TUS = { 'tus-resumable': '1.0.0' };
const PATCH_TYPE = { 'content-type': 'application/offset+octet-stream' };

const meta = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

/** Every way bytes are stored is refused with 507 past the quota, leaving nothing behind. */
describeEachDb('quotas: refused writes', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
  });
  afterAll(() => t.close());

  /** A user with `used` bytes stored in `kept.bin` and a quota of `quota`. */
  async function nearlyFull(quota: number, used: number): Promise<{ u: QuotaClient; kept: Item }> {
    const u = await userWithQuota(t, quota);
    const kept = await u.upload(u.root, 'kept.bin', randomBytes(used));
    return { u, kept };
  }

  /** Runs `write`, which must be refused with 507, and checks that it left everything as it was. */
  async function refused(u: QuotaClient, write: () => Promise<{ statusCode: number; body: string }>) {
    const before = await footprint(t, u);
    expectQuotaExceeded(await write());
    expect(await footprint(t, u)).toEqual(before);
  }

  const tusCreate = (u: QuotaClient, headers: Record<string, string>, fields: Record<string, string>) =>
    u.request('POST', '/uploads', undefined, {
      ...TUS,
      'upload-metadata': meta({ parentId: u.root, ...fields }),
      ...headers,
    });
  const tusPatch = (u: QuotaClient, location: string, offset: number, body: Buffer, more = {}) =>
    u.request('PATCH', location, body, { ...TUS, ...PATCH_TYPE, 'upload-offset': String(offset), ...more });
  const tusHead = (u: QuotaClient, location: string) =>
    t.drive.app.inject({
      method: 'HEAD',
      url: location,
      headers: { ...TUS, authorization: `Bearer ${u.token}` },
    });

  it('refuses a REST upload that does not fit before reading it, with the sizes in its message; one that fits exactly passes', async () => {
    const { u } = await nearlyFull(10_000, 4_000);
    await refused(u, async () => {
      const res = await u.request('PUT', `/folders/${u.root}/files/big.bin`, randomBytes(6_001));
      expect(res.json<{ error: { message: string; details: unknown } }>().error).toEqual({
        code: 'quota_exceeded',
        message: '5.9 KB would exceed your quota of 9.8 KB; 5.9 KB free',
        details: { requestedBytes: 6_001, quotaBytes: 10_000, freeBytes: 6_000 },
      });
      return res;
    });
    await u.upload(u.root, 'exact.bin', randomBytes(6_000));
    expect(await u.usedBytes()).toBe(10_000);
    await refused(u, () => u.request('PUT', `/folders/${u.root}/files/one.bin`, Buffer.from('x')));
  });

  it('stops a body without a length once it outgrows the room, and keeps none of it', async () => {
    const { u } = await nearlyFull(3 * CHUNK, 1_000);
    const before = await footprint(t, u);
    const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await send(`${base}/api/v1/folders/${u.root}/files/stream.bin`, {
      method: 'PUT',
      headers: { ...bearer(u.token), 'transfer-encoding': 'chunked' },
      body: Array.from({ length: 12 }, () => randomBytes(CHUNK / 2)),
    }).catch(() => ({ status: -1, body: Buffer.alloc(0) }));
    // The answer comes while the body is still being sent; the connection may be cut before it is read.
    if (res.status !== -1) expectQuotaExceeded({ statusCode: res.status, body: res.body.toString() });
    // The chunks stored before the refusal were queued for deletion; once collected, nothing is left.
    await t.drive.maintenance.collectGarbage();
    expect(await footprint(t, u)).toEqual(before);
  });

  it('refuses a tus upload at creation when its length does not fit, making nothing', async () => {
    const { u } = await nearlyFull(10_000, 9_000);
    await refused(u, () => tusCreate(u, { 'upload-length': '1001' }, { filename: 'big.bin' }));
    // One that fits holds its length from creation: a REST upload now finds that room taken.
    const fits = await tusCreate(u, { 'upload-length': '1000' }, { filename: 'fits.bin' });
    expect(fits.statusCode, fits.body).toBe(201);
    expect((await usageOf(u)).reservedBytes).toBe(1000);
    await refused(u, () => u.request('PUT', `/folders/${u.root}/files/other.bin`, Buffer.from('x')));
    // Terminating it gives the room back.
    const location = fits.headers.location as string;
    expect((await u.request('DELETE', location, undefined, TUS)).statusCode).toBe(204);
    expect((await usageOf(u)).reservedBytes).toBe(0);
    await u.upload(u.root, 'other.bin', Buffer.from('x'));
  });

  it('takes Upload-Defer-Length: each PATCH is checked before its body is read, and the one giving the length reserves it', async () => {
    const { u } = await nearlyFull(100_000, 0);
    const created = await tusCreate(u, { 'upload-defer-length': '1' }, { filename: 'later.bin' });
    expect(created.statusCode, created.body).toBe(201);
    const location = created.headers.location as string;
    const head = await tusHead(u, location);
    expect(head.headers['upload-defer-length']).toBe('1');
    expect(head.headers['upload-length']).toBeUndefined();

    const first = randomBytes(50_000);
    expect((await tusPatch(u, location, 0, first)).statusCode).toBe(204);
    // What the next PATCH brings would pass the quota: refused, the offset and the staged tail as they were.
    await refused(u, () => tusPatch(u, location, 50_000, randomBytes(60_000)));
    expect((await tusHead(u, location)).headers['upload-offset']).toBe('50000');
    // Giving a length past the quota is refused the same way, and the length stays open.
    await refused(u, () => tusPatch(u, location, 50_000, randomBytes(10), { 'upload-length': '100001' }));
    expect((await tusHead(u, location)).headers['upload-defer-length']).toBe('1');

    const last = randomBytes(30_000);
    const done = await tusPatch(u, location, 50_000, last, { 'upload-length': '80000' });
    expect(done.statusCode, done.body).toBe(204);
    const fileId = done.headers['x-idrive-file-id'] as string;
    expect((await u.content(fileId)).equals(Buffer.concat([first, last]))).toBe(true);
    expect(await usageOf(u)).toMatchObject({ usedBytes: 80_000, reservedBytes: 0, freeBytes: 20_000 });
  });

  it('refuses bad deferred lengths: a value other than 1, both headers, a length that changes or falls short', async () => {
    const u = await userWithQuota(t, null);
    const bad: Record<string, string>[] = [
      { 'upload-defer-length': '2' },
      { 'upload-defer-length': '1', 'upload-length': '5' },
    ];
    for (const headers of bad) {
      expect((await tusCreate(u, headers, { filename: 'x.bin' })).statusCode).toBe(400);
    }
    const known = (await tusCreate(u, { 'upload-length': '10' }, { filename: 'k.bin' })).headers
      .location as string;
    expect((await tusPatch(u, known, 0, Buffer.alloc(5), { 'upload-length': '11' })).statusCode).toBe(400);
    const later = (await tusCreate(u, { 'upload-defer-length': '1' }, { filename: 'l.bin' })).headers
      .location as string;
    expect((await tusPatch(u, later, 0, Buffer.alloc(5))).statusCode).toBe(204);
    expect((await tusPatch(u, later, 5, Buffer.alloc(0), { 'upload-length': '4' })).statusCode).toBe(400);
    // The length may come on an empty PATCH once every byte is in.
    const done = await tusPatch(u, later, 5, Buffer.alloc(0), { 'upload-length': '5' });
    expect(done.statusCode, done.body).toBe(204);
    expect((await u.content(done.headers['x-idrive-file-id'] as string)).equals(Buffer.alloc(5))).toBe(true);
  });

  it('completes a deferred upload whose bytes so far end on a chunk boundary, on the PATCH that gives its length', async () => {
    const u = await userWithQuota(t, 10 * CHUNK);
    const location = (await tusCreate(u, { 'upload-defer-length': '1' }, { filename: 'edge.bin' })).headers
      .location as string;
    const first = randomBytes(2 * CHUNK);
    expect((await tusPatch(u, location, 0, first)).statusCode).toBe(204);
    expect((await tusHead(u, location)).headers['upload-offset']).toBe(String(2 * CHUNK));
    const done = await tusPatch(u, location, 2 * CHUNK, Buffer.alloc(0), {
      'upload-length': String(2 * CHUNK),
    });
    expect(done.statusCode, done.body).toBe(204);
    expect((await u.content(done.headers['x-idrive-file-id'] as string)).equals(first)).toBe(true);
    expect(await usageOf(u)).toMatchObject({ usedBytes: 2 * CHUNK, reservedBytes: 0 });
  });

  it('refuses a batch of small files whole, and an upload link charges the link owner', async () => {
    const { u } = await nearlyFull(10_000, 5_000);
    const files = [
      { path: 'trip/a.jpg', data: randomBytes(2_000) },
      { path: 'trip/b.jpg', data: randomBytes(3_500) },
    ];
    const form = await multipart(files);
    await refused(u, () =>
      u.request('POST', `/folders/${u.root}/batch`, form.body, { 'content-type': form.contentType }),
    );
    const inbox = await u.mkdir(u.root, 'inbox');
    const link = (await u.request('POST', '/shares', { itemId: inbox.id, mode: 'upload' })).json<Share>();
    const visit = () =>
      t.drive.app.inject({
        method: 'POST',
        url: `/api/v1/s/${link.token}/upload`,
        headers: { 'content-type': form.contentType },
        payload: form.body,
      });
    await refused(u, visit);
    await setQuota(t, u.userId, 10_500);
    expect((await visit()).statusCode).toBe(200);
    expect(await u.usedBytes()).toBe(10_500);
  });

  it('refuses a copy, a save from the editor and a restore of an earlier version that do not fit', async () => {
    const { u, kept } = await nearlyFull(10_000, 6_000);
    await refused(u, () => u.request('POST', '/items/copy', { ids: [kept.id], parentId: u.root }));
    // A save keeps the version it replaces: the new one must fit beside it.
    await refused(u, () => u.request('PUT', `/files/${kept.id}/content`, randomBytes(4_001)));
    const saved = await u.request('PUT', `/files/${kept.id}/content`, randomBytes(4_000));
    expect(saved.statusCode, saved.body).toBe(200);
    expect(await u.usedBytes()).toBe(10_000);
    const [, earlier] = (await u.request('GET', `/files/${kept.id}/versions`)).json<FileVersionList>()
      .versions;
    await refused(u, () => u.request('POST', `/files/${kept.id}/versions/${earlier!.id}/restore`));
    expect(
      (await u.request('GET', `/files/${kept.id}/versions`)).json<FileVersionList>().versions,
    ).toHaveLength(2);
  });

  it('restores from the trash at a full quota: the trash still counts, so nothing is added', async () => {
    const { u, kept } = await nearlyFull(4_000, 4_000);
    await u.trash(kept.id);
    expect(await usageOf(u)).toMatchObject({ usedBytes: 4_000, freeBytes: 0, byKind: { trash: 4_000 } });
    await u.restore(kept.id);
    expect(await usageOf(u)).toMatchObject({ usedBytes: 4_000, byKind: { files: 4_000, trash: 0 } });
  });

  it('a quota lowered below what is used refuses new bytes and takes nothing away', async () => {
    const { u, kept } = await nearlyFull(10_000, 8_000);
    await setQuota(t, u.userId, 5_000);
    expect(await usageOf(u)).toMatchObject({ usedBytes: 8_000, quotaBytes: 5_000, freeBytes: 0 });
    await refused(u, () => u.request('PUT', `/folders/${u.root}/files/one.bin`, Buffer.from('x')));
    expect((await u.content(kept.id)).length).toBe(8_000);
    // Empty files and folders take no bytes.
    expect((await u.request('PUT', `/folders/${u.root}/files/empty.txt`, Buffer.alloc(0))).statusCode).toBe(
      201,
    );
    await u.mkdir(u.root, 'still fine');
  });

  it('lets only one of two writes racing for the same room through, on every path', async () => {
    const race = async (
      write: (u: QuotaClient, i: number, source: Item) => Promise<{ statusCode: number }>,
    ) => {
      const u = await userWithQuota(t, 10_000);
      const source = await u.upload(u.root, 'source.bin', randomBytes(4_000));
      const statuses = await Promise.all([write(u, 0, source), write(u, 1, source)]);
      return { u, statuses: statuses.map((r) => r.statusCode).sort() };
    };
    for (let round = 0; round < 3; round++) {
      const rest = await race((u, i) =>
        u.request('PUT', `/folders/${u.root}/files/f${i}.bin`, randomBytes(4_000)),
      );
      expect(rest.statuses).toEqual([201, 507]);
      expect(await usageOf(rest.u)).toMatchObject({ usedBytes: 8_000, reservedBytes: 0 });

      const tus = await race((u, i) => tusCreate(u, { 'upload-length': '4000' }, { filename: `t${i}.bin` }));
      expect(tus.statuses).toEqual([201, 507]);
      expect(await usageOf(tus.u)).toMatchObject({ usedBytes: 4_000, reservedBytes: 4_000 });

      const batch = await race(async (u, i) => {
        const form = await multipart([{ path: `b${i}.bin`, data: randomBytes(4_000) }]);
        return u.request('POST', `/folders/${u.root}/batch`, form.body, { 'content-type': form.contentType });
      });
      expect(batch.statuses).toEqual([200, 507]);
      expect(await usageOf(batch.u)).toMatchObject({ usedBytes: 8_000, reservedBytes: 0 });

      const copies = await race((u, _i, source) =>
        u.request('POST', '/items/copy', { ids: [source.id], parentId: u.root }),
      );
      expect(copies.statuses).toEqual([201, 507]);
      expect(await usageOf(copies.u)).toMatchObject({ usedBytes: 8_000 });
    }
  });
});

/** What GET /usage and the used bytes say after each kind of change. */
describeEachDb('quotas: usage', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
  });
  afterAll(() => t.close());

  it('is exact after uploads, saves, version restores and deletions, trash, purges, copies and pruning', async () => {
    const u = await userWithQuota(t, 1_000_000);
    const expectUsage = async (files: number, trash: number, versions: number) => {
      const usage = await usageOf(u);
      const used = files + trash + versions;
      expect(usage).toEqual({
        usedBytes: used,
        quotaBytes: 1_000_000,
        freeBytes: 1_000_000 - used,
        reservedBytes: 0,
        byKind: { files, trash, versions },
      });
      expect(await u.usedBytes()).toBe(used);
    };
    const a = await u.upload(u.root, 'a.bin', randomBytes(1_000));
    const folder = await u.mkdir(u.root, 'folder');
    const b = await u.upload(folder.id, 'b.bin', randomBytes(2 * CHUNK + 7));
    const bSize = 2 * CHUNK + 7;
    await expectUsage(1_000 + bSize, 0, 0);

    expect((await u.request('PUT', `/files/${a.id}/content`, randomBytes(1_500))).statusCode).toBe(200);
    await expectUsage(1_500 + bSize, 0, 1_000);
    const replaced = await u.upload(u.root, 'a.bin', randomBytes(300), '?conflict=replace');
    expect(replaced.id).toBe(a.id);
    await expectUsage(300 + bSize, 0, 2_500);

    const versions = (await u.request('GET', `/files/${a.id}/versions`)).json<FileVersionList>().versions;
    const first = versions.find((v) => v.size === 1_000)!;
    expect((await u.request('POST', `/files/${a.id}/versions/${first.id}/restore`)).statusCode).toBe(200);
    // A restored version shares its chunks, but counts as every kept version does.
    await expectUsage(1_000 + bSize, 0, 2_800);
    const middle = versions.find((v) => v.size === 1_500)!;
    expect((await u.request('DELETE', `/files/${a.id}/versions/${middle.id}`)).statusCode).toBe(200);
    await expectUsage(1_000 + bSize, 0, 1_300);

    await u.trash(folder.id);
    await expectUsage(1_000, bSize, 1_300);
    await u.restore(folder.id);
    await expectUsage(1_000 + bSize, 0, 1_300);

    const [copy] = (await u.request('POST', '/items/copy', { ids: [folder.id], parentId: u.root })).json<{
      items: Item[];
    }>().items;
    await expectUsage(1_000 + 2 * bSize, 0, 1_300);
    await u.trash(copy!.id, a.id);
    await expectUsage(bSize, 1_000 + bSize, 1_300);
    // A purge takes the file's history with it.
    expect((await u.request('POST', '/trash/delete', { ids: [a.id] })).statusCode).toBe(200);
    await expectUsage(bSize, bSize, 0);
    expect((await u.request('DELETE', '/trash')).statusCode).toBe(200);
    await expectUsage(bSize, 0, 0);

    // Versions past the user's retention go at the next maintenance run, and their bytes with them.
    expect((await u.request('PUT', `/files/${b.id}/content`, randomBytes(10))).statusCode).toBe(200);
    await expectUsage(10, 0, bSize);
    const retention = await u.request('PUT', '/account/version-retention', { days: null, count: 1 });
    expect(retention.statusCode, retention.body).toBe(200);
    await t.drive.maintenance.run();
    await expectUsage(10, 0, 0);
  });

  it('counts what uploads in progress hold, and a user without a quota has no free figure', async () => {
    const u = await userWithQuota(t, null);
    await u.upload(u.root, 'x.bin', randomBytes(100));
    expect(await usageOf(u)).toEqual({
      usedBytes: 100,
      quotaBytes: null,
      freeBytes: null,
      reservedBytes: 0,
      byKind: { files: 100, trash: 0, versions: 0 },
    });
    const created = await u.request('POST', '/uploads', undefined, {
      ...TUS,
      'upload-length': '5000',
      'upload-metadata': meta({ filename: 'big.bin', parentId: u.root }),
    });
    expect(created.statusCode).toBe(201);
    await setQuota(t, u.userId, 10_000);
    expect(await usageOf(u)).toMatchObject({ usedBytes: 100, reservedBytes: 5_000, freeBytes: 4_900 });
  });
});
