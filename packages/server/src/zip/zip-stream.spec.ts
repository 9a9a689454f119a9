import { createHash } from 'node:crypto';
import { open, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from '@node-rs/crc32';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonZipReport, unzipEntry, unzipNames, unzipTest } from '../../test/helpers/zip-check.js';
import { ZipLayout, type ZipEntrySpec } from './zip-layout.js';
import { zipRange, type CrcBook, type ZipContentSource } from './zip-stream.js';

/** A source over `read`, whose batches are read one content at a time. */
function sourceOf(read: ZipContentSource['read']): ZipContentSource {
  return {
    read,
    readMany: (contents) =>
      contents.map(async ({ content, size }) => {
        const pieces: Buffer[] = [];
        for await (const piece of read(content, 0, size)) pieces.push(piece);
        return pieces;
      }),
    release: () => undefined,
  };
}

/** Contents held in memory, counting the bytes read from them. */
function memorySource(contents: Record<string, Buffer>) {
  const stats = { bytesRead: 0 };
  const source = sourceOf(async function* (content, start, end) {
    const bytes = contents[content]!;
    // Pieces of at most 100 KiB, so a range crosses piece boundaries as real reads do.
    for (let at = start; at < end; at += 100 * 1024) {
      const piece = bytes.subarray(at, Math.min(end, at + 100 * 1024));
      stats.bytesRead += piece.length;
      yield piece;
    }
  });
  return { source, stats };
}

function book(known: Record<string, number> = {}): CrcBook & { learned: Map<string, number> } {
  const learned = new Map<string, number>();
  return {
    learned,
    get: (content) => known[content] ?? learned.get(content),
    set: (content, crc) => void learned.set(content, crc),
  };
}

async function collect(pieces: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of pieces) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('zip writer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-zip-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const contents = {
    a: Buffer.from('hello, zip\n'),
    big: Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251)),
  };
  const at = Date.UTC(2024, 4, 17, 12, 30, 42);
  const specs: ZipEntrySpec[] = [
    { path: 'docs/', directory: true, size: 0, modifiedAt: at, content: null },
    { path: 'docs/żółć.txt', directory: false, size: contents.a.length, modifiedAt: at, content: 'a' },
    {
      path: 'docs/日本語のファイル.bin',
      directory: false,
      size: contents.big.length,
      modifiedAt: at,
      content: 'big',
    },
    { path: 'docs/copy.bin', directory: false, size: contents.big.length, modifiedAt: at, content: 'big' },
    { path: 'empty/', directory: true, size: 0, modifiedAt: at, content: null },
    { path: 'zero.txt', directory: false, size: 0, modifiedAt: at, content: null },
  ];

  it('writes an archive that unzip and Python read back, with UTF-8 names and exact sizes', async () => {
    const layout = new ZipLayout(specs);
    const { source } = memorySource(contents);
    const crcs = book();
    const bytes = await collect(zipRange(layout, source, crcs, 0, layout.size));
    expect(bytes.length).toBe(layout.size);
    const file = path.join(dir, 'small.zip');
    await writeFile(file, bytes);

    const checked = unzipTest(file);
    expect(checked.ok, checked.output).toBe(true);
    const report = pythonZipReport(file, true);
    expect(report.bad).toBeNull();
    expect(report.entries.map((e) => e.name)).toEqual(specs.map((s) => s.path));
    expect(report.entries.every((e) => (e.flags & 0x800) !== 0)).toBe(true);
    expect(report.entries[1]).toMatchObject({
      size: contents.a.length,
      crc: crc32(contents.a),
      sha256: sha256(contents.a),
    });
    expect(report.entries[2]!.sha256).toBe(sha256(contents.big));
    expect(report.entries[5]).toMatchObject({ size: 0, dir: false });
    expect(unzipEntry(file, 'docs/żółć.txt').equals(contents.a)).toBe(true);
    // Both entries sharing a content learned its CRC once, from the first.
    expect(crcs.learned).toEqual(
      new Map([
        ['a', crc32(contents.a)],
        ['big', crc32(contents.big)],
      ]),
    );
  });

  it('gives the same bytes for every range, with or without CRCs known, reading only what it needs', async () => {
    const layout = new ZipLayout(specs);
    const whole = await collect(zipRange(layout, memorySource(contents).source, book(), 0, layout.size));
    const known = { a: crc32(contents.a), big: crc32(contents.big) };
    const big = layout.entries[2]!;
    const cases: [number, number][] = [
      [0, 1],
      [big.dataOffset + 1000, big.dataOffset + 2000], // inside an entry whose CRC is unknown
      [big.descriptorOffset - 5, big.descriptorOffset + 10], // across the end of the data into the descriptor
      [layout.central.offset - 3, layout.size],
      [layout.size - 1, layout.size],
    ];
    for (let i = 0; i < 40; i++) {
      const a = Math.floor(Math.random() * layout.size);
      cases.push([a, a + Math.floor(Math.random() * (layout.size - a)) + 1]);
    }
    for (const [a, b] of cases) {
      const cold = await collect(zipRange(layout, memorySource(contents).source, book(), a, b));
      expect(sha256(cold), `${a}-${b} without CRCs`).toBe(sha256(whole.subarray(a, b)));
      const warm = memorySource(contents);
      const hot = await collect(zipRange(layout, warm.source, book(known), a, b));
      expect(hot.equals(whole.subarray(a, b)), `${a}-${b} with CRCs`).toBe(true);
      // With every CRC known, only the content inside the range is read.
      const contentInRange = layout.entries.reduce(
        (sum, e) => sum + Math.max(0, Math.min(b, e.dataOffset + e.size) - Math.max(a, e.dataOffset)),
        0,
      );
      expect(warm.stats.bytesRead).toBe(contentInRange);
    }
  });

  it('refuses a range outside the archive and a path too long for a zip', async () => {
    const layout = new ZipLayout(specs);
    await expect(
      collect(zipRange(layout, memorySource(contents).source, book(), 0, layout.size + 1)),
    ).rejects.toThrow(RangeError);
    expect(() => new ZipLayout([{ ...specs[1]!, path: 'x'.repeat(70_000) }])).toThrow(RangeError);
  });

  it('counts the entries wholly before any byte, as a download reports them', () => {
    const layout = new ZipLayout(specs);
    const [dir, small, big] = layout.entries;
    const endOf = (e: typeof dir) => e!.descriptorOffset + e!.descriptorSize;
    expect(layout.entriesBefore(0)).toBe(0);
    expect(layout.entriesBefore(endOf(dir) - 1)).toBe(0);
    expect(layout.entriesBefore(endOf(dir))).toBe(1);
    expect(layout.entriesBefore(small!.dataOffset + 3)).toBe(1);
    expect(layout.entriesBefore(endOf(small))).toBe(2);
    expect(layout.entriesBefore(big!.dataOffset + 1000)).toBe(2);
    expect(layout.entriesBefore(layout.central.offset - 1)).toBe(specs.length - 1);
    expect(layout.entriesBefore(layout.central.offset)).toBe(specs.length);
    expect(layout.entriesBefore(layout.size)).toBe(specs.length);
    expect(new ZipLayout([]).entriesBefore(0)).toBe(0);
  });

  it('switches to zip64 end records above 65,534 entries', async () => {
    const many: ZipEntrySpec[] = Array.from({ length: 70_000 }, (_, i) => ({
      path: `f/${i}.txt`,
      directory: false,
      size: 0,
      modifiedAt: at,
      content: null,
    }));
    const layout = new ZipLayout(many);
    const file = path.join(dir, 'many.zip');
    await writeFile(file, await collect(zipRange(layout, memorySource({}).source, book(), 0, layout.size)));
    const checked = unzipTest(file);
    expect(checked.ok, checked.output).toBe(true);
    expect(unzipNames(file).length).toBe(70_000);
    const report = pythonZipReport(file);
    expect(report.bad).toBeNull();
    expect(report.entries.length).toBe(70_000);
    expect(report.entries[69_999]!.name).toBe('f/69999.txt');
  });

  it('writes zip64 sizes and offsets for an entry over 4 GiB and the entries after it', async () => {
    const GiB = 1024 ** 3;
    const hugeSize = 4 * GiB + 12_345;
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const tail = Buffer.from('after the big one');
    const source = sourceOf(async function* (content, start, end) {
      if (content === 'tail') {
        yield tail.subarray(start, end);
        return;
      }
      for (let p = start; p < end; p += zeros.length)
        yield zeros.subarray(0, Math.min(zeros.length, end - p));
    });
    const layout = new ZipLayout([
      { path: 'huge.bin', directory: false, size: hugeSize, modifiedAt: at, content: 'zeros' },
      { path: 'tail.txt', directory: false, size: tail.length, modifiedAt: at, content: 'tail' },
      { path: 'dir/', directory: true, size: 0, modifiedAt: at, content: null },
    ]);
    // The zero bytes become a hole in a sparse file: 4 GiB is checked without being written.
    const file = path.join(dir, 'huge.zip');
    const handle = await open(file, 'w');
    let position = 0;
    for await (const piece of zipRange(layout, source, book(), 0, layout.size)) {
      if (!(piece.length === zeros.length && piece.equals(zeros)))
        await handle.write(piece, 0, piece.length, position);
      position += piece.length;
    }
    await handle.truncate(position);
    await handle.close();
    expect(position).toBe(layout.size);

    const checked = unzipTest(file);
    expect(checked.ok, checked.output).toBe(true);
    const report = pythonZipReport(file);
    expect(report.bad).toBeNull();
    expect(report.entries.map((e) => [e.name, e.size])).toEqual([
      ['huge.bin', hugeSize],
      ['tail.txt', tail.length],
      ['dir/', 0],
    ]);
    expect(unzipEntry(file, 'tail.txt').equals(tail)).toBe(true);
    await rm(file);
  }, 180_000);
});
