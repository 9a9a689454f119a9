import type { ArchiveListing } from '@idrive/shared';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { StoredArchive } from '../zip/archive-reader.js';

const UTF8_NAMES = 0x0800;
const DOS_DATE_1980 = 0x21;

/**
 * A zip of empty stored entries, written by hand so that a test can afford tens of thousands of them.
 * `sameStartAs` maps an entry's index to another's whose local header its central record points at.
 */
function emptyEntries(names: string[], sameStartAs: Record<number, number> = {}): Buffer {
  const locals: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const name of names) {
    const raw = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(DOS_DATE_1980, 12);
    local.writeUInt16LE(raw.length, 26);
    offsets.push(at);
    locals.push(local, raw);
    at += local.length + raw.length;
  }
  const centrals = names.flatMap((name, index) => {
    const raw = Buffer.from(name, 'utf8');
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(DOS_DATE_1980, 14);
    central.writeUInt16LE(raw.length, 28);
    central.writeUInt32LE(offsets[sameStartAs[index] ?? index]!, 42);
    return [central, raw];
  });
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(at, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Nothing but zip64 end records declaring `count` entries: what a directory too large to read looks like. */
function declaring(count: number): Buffer {
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([record, locator, end]);
}

describeEachDb('archive viewer pages', (dialect) => {
  const COUNT = 60_000;
  let t: TestApp;
  let me: DriveClient & { root: string };
  let many: string;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    me = await newDriveUser(t);
    const names = Array.from({ length: COUNT }, (_, i) => `many/${String(i).padStart(5, '0')}.txt`);
    many = (await me.upload(me.root, 'many.zip', emptyEntries(names))).id;
  });
  afterAll(() => t.close());

  async function page(id: string, query = ''): Promise<ArchiveListing> {
    const res = await me.request('GET', `/files/${id}/archive${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ArchiveListing>();
  }

  it('finding 9: a listing of a 60,000-entry zip is one page of at most the page size, with the total', async () => {
    const first = await page(many);
    expect(first).toMatchObject({ total: COUNT, offset: 0, truncated: true });
    expect(first.entries).toHaveLength(1_000);
    expect(first.entries[0]).toMatchObject({ index: 0, path: 'many/00000.txt', safe: true });

    const middle = await page(many, '?offset=30000&limit=5000');
    expect(middle.entries.map((e) => e.index)).toEqual(Array.from({ length: 5000 }, (_, i) => 30_000 + i));
    expect(middle.truncated).toBe(true);

    const last = await page(many, `?offset=${COUNT - 2}&limit=5000`);
    expect(last.entries.map((e) => e.path)).toEqual(['many/59998.txt', 'many/59999.txt']);
    expect(last.truncated).toBe(false);
    expect((await page(many, `?offset=${COUNT}`)).entries).toEqual([]);

    for (const query of ['?limit=5001', '?limit=0', '?offset=-1', '?offset=x']) {
      const res = await me.request('GET', `/files/${many}/archive${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    }
  });

  it('finding 9: an entry is marked overlapping when the entry sharing its bytes is on another page', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `f${i}`);
    const id = (await me.upload(me.root, 'far.zip', emptyEntries(names, { 2999: 0 }))).id;
    const first = await page(id, '?limit=10');
    expect(first.entries[0]).toMatchObject({ path: 'f0', safe: false, unsafeReason: 'overlapping' });
    expect(first.entries.slice(1).every((e) => e.safe)).toBe(true);
    const last = await page(id, '?offset=2999');
    expect(last.entries).toMatchObject([{ path: 'f2999', safe: false, unsafeReason: 'overlapping' }]);
    const res = await me.request('GET', `/files/${id}/archive/entry?index=0`);
    expect(res.statusCode).toBe(422);
  });

  it('finding 9: a directory of more entries than the viewer reads is refused with 422, not listed in part', async () => {
    const id = (await me.upload(me.root, 'huge.zip', declaring(1_000_001))).id;
    const res = await me.request('GET', `/files/${id}/archive`);
    expect(res.statusCode).toBe(422);
    expect(res.json<{ error: { details: { reason: string } } }>().error.details.reason).toBe(
      'too_many_entries',
    );
  });

  it('finding 9: parallel listings and extractions read at most two central directories at once', async () => {
    let running = 0;
    let peak = 0;
    // The real scans, wrapped only to count how many run at the same time.
    const { list, find } = StoredArchive.prototype;
    async function counted<R>(scan: () => Promise<R>): Promise<R> {
      peak = Math.max(peak, ++running);
      try {
        return await scan();
      } finally {
        running--;
      }
    }
    const spies = [
      vi.spyOn(StoredArchive.prototype, 'list').mockImplementation(function (this: StoredArchive, ...args) {
        return counted(() => list.apply(this, args));
      }),
      vi.spyOn(StoredArchive.prototype, 'find').mockImplementation(function (this: StoredArchive, ...args) {
        return counted(() => find.apply(this, args));
      }),
    ];
    try {
      const answers = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) =>
          me.request('GET', `/files/${many}/archive?offset=${i * 1000}`),
        ),
        ...Array.from({ length: 2 }, (_, i) => me.request('GET', `/files/${many}/archive/entry?index=${i}`)),
      ]);
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(peak).toBe(2);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
