import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import type { Share } from '@idrive/shared';
import { ZIP_PLANNING_LIMITS } from '../http/zip-planning.js';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const { perAddress, total } = ZIP_PLANNING_LIMITS;
/** The shared folder's archive has 3 entries (a.txt, More/, More/b.txt): this is ten of its plans. */
const VISITOR_ENTRIES = 30;

describeEachDb('zip planning under load', (dialect) => {
  let t: TestApp;
  let token: string;
  let folderId: string;
  let owner: Awaited<ReturnType<typeof newDriveUser>>;

  beforeAll(async () => {
    t = await startTestApp({ dialect, overrides: { zipPlanning: { visitorEntries: VISITOR_ENTRIES } } });
    owner = await newDriveUser(t);
    const folder = await owner.mkdir(owner.root, 'Album');
    await owner.upload(folder.id, 'a.txt', 'alpha');
    const sub = await owner.mkdir(folder.id, 'More');
    await owner.upload(sub.id, 'b.txt', 'bravo');
    const res = await owner.request('POST', '/shares', { itemId: folder.id });
    token = res.json<Share>().token;
    folderId = folder.id;
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => t.close());

  const head = (address: string): Promise<LightMyRequestResponse> =>
    t.drive.app.inject({ method: 'HEAD', url: `/api/v1/s/${token}/zip`, remoteAddress: address });

  /**
   * Holds every read of a tree until `open()`; `reads` counts the reads begun, `atOnce` the most that
   * were under way together.
   */
  function holdTreeReads() {
    const repo = t.drive.repos.zip;
    const real = repo.liveSubtrees.bind(repo);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const counts = { reads: 0, running: 0, atOnce: 0 };
    vi.spyOn(repo, 'liveSubtrees').mockImplementation(async (...args) => {
      counts.reads++;
      counts.running++;
      counts.atOnce = Math.max(counts.atOnce, counts.running);
      try {
        await gate;
        return await real(...args);
      } finally {
        counts.running--;
      }
    });
    return { counts, open: release };
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(check()).toBe(true);
  }

  it('finding 17: anonymous zip HEADs of a share link from one address past the limit get 429 without reading the tree', async () => {
    const held = holdTreeReads();
    const admitted = Array.from({ length: perAddress }, () => head('203.0.113.70'));
    await until(() => held.counts.reads === perAddress);

    const extra = await Promise.all(Array.from({ length: 5 }, () => head('203.0.113.70')));
    for (const res of extra) {
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // A GET of one byte plans the same archive, and is bound the same way.
    const ranged = await t.drive.app.inject({
      url: `/api/v1/s/${token}/zip`,
      headers: { range: 'bytes=0-0' },
      remoteAddress: '203.0.113.70',
    });
    expect(ranged.statusCode).toBe(429);
    expect(errorCode(ranged)).toBe('too_many_requests');
    expect(held.counts.reads).toBe(perAddress);
    // Another address is not held back by this one.
    const elsewhere = head('203.0.113.71');

    held.open();
    for (const res of [...(await Promise.all(admitted)), await elsewhere]) {
      expect(res.statusCode).toBe(200);
      expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
    }
    // The slots come back once the plans are made.
    expect((await head('203.0.113.70')).statusCode).toBe(200);
  });

  it('finding 17: zip HEADs from many addresses at once are planned a few at a time, the rest waiting', async () => {
    const held = holdTreeReads();
    const addresses = Array.from({ length: total * 3 }, (_, i) => `198.51.100.${i + 1}`);
    const pending = addresses.map((address) => head(address));
    await until(() => held.counts.reads === total);
    // Give the waiting ones every chance to start, had they not been queued.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(held.counts.reads).toBe(total);

    held.open();
    for (const res of await Promise.all(pending)) expect(res.statusCode).toBe(200);
    expect(held.counts.reads).toBe(addresses.length);
    expect(held.counts.atOnce).toBe(total);
  });

  it("finding 17: a visitor's zip plans are counted per address: past the budget its HEADs get 429 with Retry-After, a signed-in download does not", async () => {
    const address = '192.0.2.44';
    for (let i = 0; i < VISITOR_ENTRIES / 3; i++) expect((await head(address)).statusCode).toBe(200);
    const held = holdTreeReads();
    held.open();
    const refused = await head(address);
    expect(refused.statusCode).toBe(429);
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(ZIP_PLANNING_LIMITS.windowMs / 1000);
    expect(held.counts.reads).toBe(0);

    expect((await head('192.0.2.45')).statusCode).toBe(200);
    const own = await t.drive.app.inject({
      method: 'HEAD',
      url: `/api/v1/folders/${folderId}/zip`,
      headers: { authorization: `Bearer ${owner.token}` },
      remoteAddress: address,
    });
    expect(own.statusCode).toBe(200);
  });
});
