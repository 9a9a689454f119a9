// npm run bench: speed and memory of the drive on this machine, each figure next to the machine's
// own ceiling measured in the same run. Prints a table and writes .bench/results.json.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CHUNK_SIZE, SEGMENT_SIZE, type DriveEvent, type Listing, type User } from '@idrive/shared';
import { createDiscordEmulator } from '@idrive/discord-emulator';
import { SegmentCipher } from '../packages/server/src/storage/segment-cipher.js';
import { openEventSocket } from '../packages/server/test/helpers/event-socket.js';
import { loginOver, receive, send } from '../packages/server/test/helpers/http-client.js';
import { startServerProcess, type ServerProcess } from '../packages/server/test/helpers/server-process.js';
import { searchRows } from './bench-search.js';
import { webListRows } from './bench-web-list.js';
import { webUploadRows } from './bench-web-upload.js';
import { fillFolder } from '../packages/web/test/e2e/drive.js';

const MiB = 1024 * 1024;
const FILE_SIZE = Number(process.env.BENCH_FILE_MIB ?? 1024) * MiB;
const LISTING_ENTRIES = 50_000;
const PASSWORD = 'bench-password-1';
const DISCORD_CHANNELS = 4;
/** Discord seconds per real second in the limited run: slow enough that Discord's limits bind. */
const DISCORD_TIME_SCALE = 0.25;

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

interface Session {
  auth: { authorization: string };
  rootId: string;
}

async function signIn(server: ServerProcess): Promise<Session> {
  const token = await loginOver(server.baseUrl, 'admin', PASSWORD);
  const auth = { authorization: `Bearer ${token}` };
  const root = (await (
    await fetch(`${server.baseUrl}/api/v1/folders/root`, { headers: auth })
  ).json()) as Listing;
  return { auth, rootId: root.folder.id };
}

// One random 16 MiB block repeated, so the client spends no CPU making data.
const block = randomBytes(16 * MiB);

/** Uploads `size` bytes over HTTP; returns the time taken and the new file's id. */
async function timedUpload(server: ServerProcess, session: Session, name: string, size: number) {
  const pieces = function* () {
    for (let sent = 0; sent < size; sent += block.length)
      yield block.subarray(0, Math.min(block.length, size - sent));
  };
  const started = performance.now();
  const uploaded = await send(`${server.baseUrl}/api/v1/folders/${session.rootId}/files/${name}`, {
    method: 'PUT',
    headers: { ...session.auth, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: pieces(),
  });
  const ms = performance.now() - started;
  if (uploaded.status !== 201)
    throw new Error(`upload failed: ${uploaded.status} ${uploaded.body.toString()}`);
  return { ms, fileId: (JSON.parse(uploaded.body.toString()) as { id: string }).id };
}

async function timedDownload(server: ServerProcess, session: Session, fileId: string) {
  const started = performance.now();
  const got = await receive(
    `${server.baseUrl}/api/v1/files/${fileId}/content`,
    session.auth,
    () => undefined,
  );
  return { ms: performance.now() - started, bytes: got.bytes };
}

/** A server of ours on an emulated Discord (connected, 4 channels), for the Discord rows. */
async function onDiscord(options: { limits: boolean; timeScale: number }) {
  const emulator = createDiscordEmulator({
    timeScale: options.timeScale,
    ...(options.limits ? {} : { limits: { rateLimits: { enabled: false } } }),
  });
  await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
  const seed = emulator.control.seed({ channels: [], bots: [{}] });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-discord-'));
  const server = await startServerProcess(
    {
      IDRIVE_DATA_DIR: dataDir,
      IDRIVE_ADMIN_PASSWORD: PASSWORD,
      DISCORD_API_BASE: `${base}/api/v10`,
      DISCORD_CDN_BASE: base,
      DISCORD_TIME_SCALE: String(options.timeScale),
    },
    { built: true },
  );
  const session = await signIn(server);
  const connected = await fetch(`${server.baseUrl}/api/v1/admin/storage/discord`, {
    method: 'POST',
    headers: { ...session.auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      botToken: seed.bots[0]!.token,
      guildId: seed.guild.id,
      channels: DISCORD_CHANNELS,
    }),
  });
  if (!connected.ok) throw new Error(`connecting the emulator failed: ${await connected.text()}`);
  return {
    emulator,
    server,
    session,
    close: async () => {
      await server.stop();
      await emulator.app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The least time Discord's limits allow for `messages` webhook messages spread over the channels
 * (one webhook each): per webhook `limit` per `windowMs`, per channel 30 a minute, fixed windows
 * that open at their first request, as the emulator (and, as observed, Discord) count them.
 */
function minimalSendMs(messages: number, webhook: { limit: number; windowMs: number }): number {
  const channels = Array.from({ length: DISCORD_CHANNELS }, () => ({
    hook: { start: -Infinity, used: 0 },
    channel: { start: -Infinity, used: 0 },
  }));
  const nextFree = (w: { start: number; used: number }, limit: number, windowMs: number, t: number) =>
    t >= w.start + windowMs || w.used < limit ? t : w.start + windowMs;
  const take = (w: { start: number; used: number }, windowMs: number, t: number) => {
    if (t >= w.start + windowMs) Object.assign(w, { start: t, used: 0 });
    w.used++;
  };
  let last = 0;
  for (let i = 0; i < messages; i++) {
    const options = channels.map((c) => ({
      c,
      t: Math.max(nextFree(c.hook, webhook.limit, webhook.windowMs, 0), nextFree(c.channel, 30, 60_000, 0)),
    }));
    const best = options.reduce((a, b) => (b.t < a.t ? b : a));
    take(best.c.hook, webhook.windowMs, best.t);
    take(best.c.channel, 60_000, best.t);
    last = Math.max(last, best.t);
  }
  return last;
}

async function discordRows(localUp: number, localDown: number): Promise<void> {
  // Limits off: what the Discord path itself costs, next to the local store.
  const free = await onDiscord({ limits: false, timeScale: 1 });
  try {
    const up = await timedUpload(free.server, free.session, 'discord.bin', FILE_SIZE);
    const down = await timedDownload(free.server, free.session, up.fileId);
    rows.push({
      metric: `Discord path, limits off: upload ${FILE_SIZE / MiB} MiB`,
      value: mbps(FILE_SIZE, up.ms),
      unit: 'MB/s',
      target: '-',
      ceiling: `local store ${localUp.toFixed(0)} MB/s`,
    });
    rows.push({
      metric: `Discord path, limits off: download ${FILE_SIZE / MiB} MiB`,
      value: mbps(down.bytes, down.ms),
      unit: 'MB/s',
      target: '-',
      ceiling: `local store ${localDown.toFixed(0)} MB/s`,
    });
  } finally {
    await free.close();
  }

  // Discord's limits, with the emulator's clock slowed so that they, not this machine, set the pace.
  const limited = await onDiscord({ limits: true, timeScale: DISCORD_TIME_SCALE });
  try {
    const startedAt = limited.emulator.control.now();
    await timedUpload(limited.server, limited.session, 'limited.bin', FILE_SIZE);
    const discordMs = limited.emulator.control.now() - startedAt;
    const stats = limited.emulator.control.stats();
    const chunks = Math.ceil(FILE_SIZE / DEFAULT_CHUNK_SIZE);
    const fewestMessages = Math.ceil(chunks / 3);
    const floorMs = minimalSendMs(fewestMessages, { limit: 5, windowMs: 2_000 });
    const achieved = mbps(FILE_SIZE, discordMs);
    const ceiling = mbps(FILE_SIZE, floorMs);
    rows.push({
      metric: `Discord limits, ${DISCORD_CHANNELS} channels: upload (Discord time)`,
      value: achieved,
      unit: 'MB/s',
      target: '≥ 90% of what the limits allow',
      // A small upload fits in Discord's first rate windows: then no limit binds and there is no ceiling.
      ...(floorMs > 0
        ? {
            ceiling: `limits allow ${ceiling.toFixed(0)} MB/s: ${((100 * achieved) / ceiling).toFixed(0)}%`,
            pass: achieved >= 0.9 * ceiling,
          }
        : { ceiling: 'too small for the limits to bind; bench 1 GiB' }),
    });
    rows.push({
      metric: 'Discord messages per GiB',
      value: (stats.messages * 1024 * MiB) / FILE_SIZE,
      unit: 'msgs',
      target: '-',
      ceiling: `fewest possible ${((fewestMessages * 1024 * MiB) / FILE_SIZE).toFixed(0)}`,
    });
    rows.push({
      metric: 'Discord 429s (user / global / shared), invalid requests',
      value: stats.rateLimited.user + stats.rateLimited.global + stats.rateLimited.shared,
      unit: '',
      target: '0 invalid',
      ceiling: `${stats.rateLimited.user} / ${stats.rateLimited.global} / ${stats.rateLimited.shared}, invalid ${stats.invalidRequests}`,
      pass: stats.invalidRequests === 0,
    });
  } finally {
    await limited.close();
  }
}

/**
 * Live events: from an API call that creates a folder to its event arriving on another socket of
 * the same user, next to that API call's own latency in the same run.
 */
async function eventRows(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-events-'));
  const server = await startServerProcess(
    { IDRIVE_DATA_DIR: dataDir, IDRIVE_ADMIN_PASSWORD: PASSWORD },
    { built: true },
  );
  try {
    const session = await signIn(server);
    const socket = await openEventSocket(
      `${server.baseUrl.replace(/^http/, 'ws')}/api/v1/events`,
      session.auth,
    );
    await socket.waitFor((e) => e.type === 'ready');
    const arrivals = new Map<string, number>();
    socket.ws.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString()) as DriveEvent;
      if (event.type === 'item.created') arrivals.set(event.item.name, performance.now());
    });
    const warmUp = 20;
    const call: number[] = [];
    const delivered: number[] = [];
    for (let i = 0; i < warmUp + 200; i++) {
      const name = `event-bench-${i}`;
      const started = performance.now();
      const res = await fetch(`${server.baseUrl}/api/v1/folders`, {
        method: 'POST',
        headers: { ...session.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ parentId: session.rootId, name }),
      });
      if (res.status !== 201) throw new Error(`creating a folder answered ${res.status}`);
      const answered = performance.now();
      await socket.waitFor((e) => e.type === 'item.created' && e.item.name === name, 5_000);
      if (i < warmUp) continue;
      call.push(answered - started);
      delivered.push(arrivals.get(name)! - started);
    }
    await socket.close();
    rows.push({
      metric: 'live event: folder created → another socket (p50)',
      value: median(delivered),
      unit: 'ms',
      target: '≤ 1,000 ms (p95)',
      ceiling: `p95 ${p95(delivered).toFixed(1)} ms; the API call itself p50 ${median(call).toFixed(1)}, p95 ${p95(call).toFixed(1)} ms`,
      pass: p95(delivered) <= 1000,
    });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Small files zipped per run: an archive bound by per-file work, not bytes. */
const ZIP_SMALL_FILES = 10_000;
const ZIP_SMALL_FILE_BYTES = 10_000;

/**
 * Zip downloads: one large file (bound by bytes) and many small ones (bound by per-file work, here
 * packed as a batch upload packs them), next to the plain download of the same large file and
 * one-by-one downloads of the same small files, measured on the same server in the same run.
 */
async function zipRows(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-zip-'));
  const server = await startServerProcess(
    { IDRIVE_DATA_DIR: dataDir, IDRIVE_ADMIN_PASSWORD: PASSWORD },
    { built: true },
  );
  const newFolder = async (session: Session, name: string) =>
    (
      (await (
        await fetch(`${server.baseUrl}/api/v1/folders`, {
          method: 'POST',
          headers: { ...session.auth, 'content-type': 'application/json' },
          body: JSON.stringify({ parentId: session.rootId, name }),
        })
      ).json()) as { id: string }
    ).id;
  const timedZip = async (session: Session, folderId: string) => {
    const started = performance.now();
    const got = await receive(
      `${server.baseUrl}/api/v1/folders/${folderId}/zip`,
      session.auth,
      () => undefined,
    );
    if (got.status !== 200) throw new Error(`zip answered ${got.status}`);
    return { ms: performance.now() - started, bytes: got.bytes };
  };
  try {
    const session = await signIn(server);
    const big = await newFolder(session, 'zip-large');
    const { fileId } = await timedUpload(server, { ...session, rootId: big }, 'large.bin', FILE_SIZE);
    const plain = await timedDownload(server, session, fileId);
    const plainMbps = mbps(plain.bytes, plain.ms);
    const large = await timedZip(session, big);
    rows.push({
      metric: `zip: one ${FILE_SIZE / MiB} MiB file`,
      value: mbps(large.bytes, large.ms),
      unit: 'MB/s',
      target: '-',
      ceiling: `plain download ${plainMbps.toFixed(0)} MB/s: ${((100 * mbps(large.bytes, large.ms)) / plainMbps).toFixed(0)}%`,
    });

    const small = await newFolder(session, 'zip-small');
    const ids: string[] = [];
    for (let first = 0; first < ZIP_SMALL_FILES; first += 1000) {
      const form = new FormData();
      for (let i = first; i < first + 1000; i++) {
        form.append(
          'file',
          new Blob([randomBytes(ZIP_SMALL_FILE_BYTES)]),
          `d${Math.floor(i / 1000)}/f${i}.bin`,
        );
      }
      const encoded = new Request('http://localhost/', { method: 'POST', body: form });
      const res = await fetch(`${server.baseUrl}/api/v1/folders/${small}/batch`, {
        method: 'POST',
        headers: { ...session.auth, 'content-type': encoded.headers.get('content-type')! },
        body: Buffer.from(await encoded.arrayBuffer()),
      });
      const { results } = (await res.json()) as { results: { item?: { id: string } }[] };
      for (const r of results) if (r.item) ids.push(r.item.id);
    }
    if (ids.length !== ZIP_SMALL_FILES) throw new Error(`batch upload stored ${ids.length} files`);
    const first = await timedZip(session, small);
    const again = await timedZip(session, small);
    const oneByOne = performance.now();
    for (const id of ids.slice(0, 1000)) {
      await receive(`${server.baseUrl}/api/v1/files/${id}/content`, session.auth, () => undefined);
    }
    const perFile = 1000 / ((performance.now() - oneByOne) / 1000);
    rows.push({
      metric: `zip: ${ZIP_SMALL_FILES.toLocaleString('en')} files of ${ZIP_SMALL_FILE_BYTES / 1000} kB (CRCs known)`,
      value: ZIP_SMALL_FILES / (again.ms / 1000),
      unit: 'entries/s',
      target: '-',
      ceiling: `${mbps(again.bytes, again.ms).toFixed(1)} MB/s; first zip (CRCs computed) ${(ZIP_SMALL_FILES / (first.ms / 1000)).toFixed(0)} entries/s; one GET per file ${perFile.toFixed(0)} files/s`,
    });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `I Drive bench: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  );
  // BENCH_ONLY=zip runs just the zip rows.
  if (process.env.BENCH_ONLY === 'zip') {
    await zipRows();
    return report();
  }
  // BENCH_ONLY=events runs just the live event rows.
  if (process.env.BENCH_ONLY === 'events') {
    await eventRows();
    return report();
  }
  // BENCH_ONLY=search runs just the search rows.
  if (process.env.BENCH_ONLY === 'search') {
    rows.push(...(await searchRows()));
    return report();
  }
  // BENCH_ONLY=web-list runs just the web app's big-folder rows (in Chromium).
  if (process.env.BENCH_ONLY === 'web-list') {
    rows.push(...(await webListRows()));
    return report();
  }
  // BENCH_ONLY=web-upload runs just the web app's big-file upload row (in Chromium).
  if (process.env.BENCH_ONLY === 'web-upload') {
    rows.push(...(await webUploadRows()));
    return report();
  }
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
    const session = await signIn(server);
    const { auth } = session;
    const root = { folder: { id: session.rootId } };
    const rssBefore = server.peakRss();
    const { ms: uploadMs, fileId } = await timedUpload(server, session, 'bench.bin', FILE_SIZE);
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

    const got = await timedDownload(server, session, fileId);
    const down = mbps(got.bytes, got.ms);
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
    await fillFolder(dataDir, me.user.id, folder.id, LISTING_ENTRIES);

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

  const local = rows.filter((r) => r.metric.startsWith('upload ') || r.metric.startsWith('download '));
  await discordRows(local[0]!.value, local[1]!.value);
  await eventRows();
  await zipRows();
  rows.push(...(await searchRows()));
  rows.push(...(await webListRows()));
  rows.push(...(await webUploadRows()));
  report();
}

function report(): void {
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
