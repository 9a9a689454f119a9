// npm run bench: speed and memory of the drive on this machine, each figure next to the machine's
// own ceiling measured in the same run. Prints a table and writes .bench/results.json.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nameKey, SEGMENT_SIZE, type Listing, type User } from '@idrive/shared';
import { openDatabase } from '../packages/server/src/db/database.js';
import { ItemRepository } from '../packages/server/src/repositories/item.repository.js';
import { SegmentCipher } from '../packages/server/src/storage/segment-cipher.js';
import { loginOver, receive, send } from '../packages/server/test/helpers/http-client.js';
import { startServerProcess } from '../packages/server/test/helpers/server-process.js';

const MiB = 1024 * 1024;
const FILE_SIZE = Number(process.env.BENCH_FILE_MIB ?? 1024) * MiB;
const LISTING_ENTRIES = 50_000;
const PASSWORD = 'bench-password-1';

interface Row {
  metric: string;
  value: number;
  unit: string;
  target: string;
  ceiling?: string;
  pass?: boolean;
}
const rows: Row[] = [];
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

/** The machine's ceiling for what the server does per byte: AES-256-GCM per segment plus SHA-256. */
function cryptoCeiling(): { seal: number; open: number } {
  const cipher = new SegmentCipher(randomBytes(32), randomUUID());
  const plain = randomBytes(SEGMENT_SIZE);
  const total = 512 * MiB;
  const segments = total / SEGMENT_SIZE;
  const sealed: Buffer[] = [];
  let started = performance.now();
  const hash = createHash('sha256');
  for (let i = 0; i < segments; i++) {
    hash.update(plain);
    const s = cipher.seal(i, plain, false);
    if (i < 64) sealed.push(s);
  }
  hash.digest();
  const seal = mbps(total, performance.now() - started);
  started = performance.now();
  const verify = createHash('sha256');
  for (let i = 0; i < segments; i++) verify.update(cipher.open(i % 64, sealed[i % 64]!, false));
  verify.digest();
  const open = mbps(total, performance.now() - started);
  return { seal, open };
}

/**
 * The disk's ceiling for what the local store does per chunk: write 8 MiB to a new file, fsync it.
 * On a virtual disk this, not the cipher, can be what bounds an upload.
 */
async function diskCeiling(dir: string): Promise<number> {
  const chunk = randomBytes(8 * MiB);
  const count = 64;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const handle = await open(path.join(dir, `disk-ceiling-${i}`), 'w');
    await handle.write(chunk);
    await handle.sync();
    await handle.close();
  }
  const result = mbps(count * chunk.length, performance.now() - started);
  for (let i = 0; i < count; i++) await rm(path.join(dir, `disk-ceiling-${i}`));
  return result;
}

async function main(): Promise<void> {
  console.log(
    `I Drive bench: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  );
  const ceiling = cryptoCeiling();
  rows.push({
    metric: 'crypto ceiling: seal + SHA-256 (1 core)',
    value: ceiling.seal,
    unit: 'MB/s',
    target: '-',
  });
  rows.push({
    metric: 'crypto ceiling: open + SHA-256 (1 core)',
    value: ceiling.open,
    unit: 'MB/s',
    target: '-',
  });

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-'));
  const disk = await diskCeiling(dataDir);
  rows.push({ metric: 'disk ceiling: write 8 MiB files + fsync', value: disk, unit: 'MB/s', target: '-' });
  const server = await startServerProcess(
    { IDRIVE_DATA_DIR: dataDir, IDRIVE_ADMIN_PASSWORD: PASSWORD },
    { built: true },
  );
  try {
    const token = await loginOver(server.baseUrl, 'admin', PASSWORD);
    const auth = { authorization: `Bearer ${token}` };
    const root = (await (
      await fetch(`${server.baseUrl}/api/v1/folders/root`, { headers: auth })
    ).json()) as Listing;

    // Upload: one random 16 MiB block repeated, so the client spends no CPU making data.
    const block = randomBytes(16 * MiB);
    const pieces = function* () {
      for (let sent = 0; sent < FILE_SIZE; sent += block.length)
        yield block.subarray(0, Math.min(block.length, FILE_SIZE - sent));
    };
    const rssBefore = server.peakRss();
    let started = performance.now();
    const uploaded = await send(`${server.baseUrl}/api/v1/folders/${root.folder.id}/files/bench.bin`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(FILE_SIZE) },
      body: pieces(),
    });
    const uploadMs = performance.now() - started;
    if (uploaded.status !== 201)
      throw new Error(`upload failed: ${uploaded.status} ${uploaded.body.toString()}`);
    const fileId = (JSON.parse(uploaded.body.toString()) as { id: string }).id;
    const peakRss = server.peakRss();
    const up = mbps(FILE_SIZE, uploadMs);
    rows.push({
      metric: `upload ${FILE_SIZE / MiB} MiB over HTTP`,
      value: up,
      unit: 'MB/s',
      target: '≥ 250, or ≥ 40% of ceiling',
      ceiling: `${((100 * up) / ceiling.seal).toFixed(0)}% of seal ceiling, ${((100 * up) / disk).toFixed(0)}% of disk ceiling`,
      pass: up >= 250 || up >= 0.4 * ceiling.seal,
    });
    rows.push({
      metric: 'server peak RSS during upload',
      value: peakRss / 1e6,
      unit: 'MB',
      target: '≤ 250 MB',
      ceiling: `${(rssBefore / 1e6).toFixed(0)} MB before`,
      pass: peakRss <= 250e6,
    });

    started = performance.now();
    const got = await receive(`${server.baseUrl}/api/v1/files/${fileId}/content`, auth, () => undefined);
    const down = mbps(got.bytes, performance.now() - started);
    rows.push({
      metric: `download ${FILE_SIZE / MiB} MiB over HTTP`,
      value: down,
      unit: 'MB/s',
      target: '≥ 400, or ≥ 60% of ceiling',
      ceiling: `${((100 * down) / ceiling.open).toFixed(0)}% of open ceiling`,
      pass: got.bytes === FILE_SIZE && (down >= 400 || down >= 0.6 * ceiling.open),
    });

    const ttfb: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = Math.floor(FILE_SIZE / 2 + (Math.random() - 0.5) * (FILE_SIZE / 4));
      const res = await receive(
        `${server.baseUrl}/api/v1/files/${fileId}/content`,
        { ...auth, range: `bytes=${start}-${start + 65535}` },
        () => undefined,
      );
      if (res.status !== 206) throw new Error(`range read answered ${res.status}`);
      ttfb.push(res.firstByteMs);
    }
    rows.push({
      metric: 'Range read mid-file: time to first byte (p50)',
      value: median(ttfb),
      unit: 'ms',
      target: '≤ 20 ms',
      ceiling: `p95 ${p95(ttfb).toFixed(1)} ms`,
      pass: median(ttfb) <= 20,
    });

    // A folder of 50,000 entries, written straight into the server's database in one transaction.
    const folder = (await (
      await fetch(`${server.baseUrl}/api/v1/folders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ parentId: root.folder.id, name: 'fifty-thousand' }),
      })
    ).json()) as { id: string };
    const me = (await (await fetch(`${server.baseUrl}/api/v1/auth/me`, { headers: auth })).json()) as {
      user: User;
    };
    const handle = openDatabase({ url: path.join(dataDir, 'idrive.sqlite') });
    const now = Date.now();
    await handle.db.transaction().execute((tx) =>
      new ItemRepository(tx).insertMany(
        Array.from({ length: LISTING_ENTRIES }, (_, i) => {
          const name = `file-${String(i).padStart(6, '0')}.txt`;
          return {
            id: randomUUID(),
            owner_id: me.user.id,
            parent_id: folder.id,
            type: 'file' as const,
            name,
            name_key: nameKey(name),
            size: i,
            mime_type: 'text/plain',
            version_id: null,
            created_at: now,
            updated_at: now - i,
            trashed_at: null,
            trash_root_id: null,
            original_parent_id: null,
          };
        }),
      ),
    );
    await handle.db.destroy();

    const page = async (query: string) => {
      const t0 = performance.now();
      const res = await fetch(`${server.baseUrl}/api/v1/folders/${folder.id}/children?${query}`, {
        headers: auth,
      });
      const listing = (await res.json()) as Listing;
      if (listing.total !== LISTING_ENTRIES) throw new Error(`listing total is ${listing.total}`);
      return { ms: performance.now() - t0, items: listing.items.length };
    };
    const timings = {
      first: [] as number[],
      last: [] as number[],
      bySize: [] as number[],
      full: [] as number[],
    };
    for (let round = 0; round < 7; round++) {
      timings.first.push((await page('limit=1000')).ms);
      timings.last.push((await page(`offset=${LISTING_ENTRIES - 1000}&limit=1000`)).ms);
      timings.bySize.push((await page('sort=size&order=desc&limit=1000')).ms);
      const t0 = performance.now();
      let seen = 0;
      for (let offset = 0; offset < LISTING_ENTRIES; offset += 10_000)
        seen += (await page(`offset=${offset}&limit=10000`)).items;
      if (seen !== LISTING_ENTRIES) throw new Error(`listing returned ${seen} entries`);
      timings.full.push(performance.now() - t0);
    }
    const worstPage = Math.max(median(timings.first), median(timings.last), median(timings.bySize));
    rows.push({
      metric: `${LISTING_ENTRIES}-entry folder: slowest page of 1,000 (p50)`,
      value: worstPage,
      unit: 'ms',
      target: '≤ 150 ms',
      ceiling: `first ${median(timings.first).toFixed(1)}, last ${median(timings.last).toFixed(1)}, by size ${median(timings.bySize).toFixed(1)} ms`,
      pass: worstPage <= 150,
    });
    rows.push({
      metric: `${LISTING_ENTRIES}-entry folder: all entries, 5 pages of 10,000`,
      value: median(timings.full),
      unit: 'ms',
      target: '-',
    });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  console.log('');
  const width = Math.max(...rows.map((r) => r.metric.length));
  for (const r of rows) {
    const verdict = r.pass === undefined ? '    ' : r.pass ? 'PASS' : 'MISS';
    console.log(
      `${verdict}  ${r.metric.padEnd(width)}  ${r.value.toFixed(1).padStart(8)} ${r.unit.padEnd(4)}  target ${r.target}${r.ceiling ? `  (${r.ceiling})` : ''}`,
    );
  }
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/results.json', JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  console.log('\nJSON: .bench/results.json');
}

await main();
