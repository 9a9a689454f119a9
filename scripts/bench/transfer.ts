// Our local store over HTTP, timed with curl: upload and download of the big random file, each next
// to the machine's ceilings and to rclone crypt run in turn with ours (so that a busy moment of this
// shared machine lands on both), mid-file Range reads, and the server's memory idle and while
// uploading, on SQLite and (when TEST_DATABASE_URL is set) on PostgreSQL.
import { randomBytes } from 'node:crypto';
import { receive } from '../../packages/server/test/helpers/http-client.js';
import type { ServerProcess } from '../../packages/server/test/helpers/server-process.js';
import type { BenchContext } from './context.js';
import { startDrive, timedDownload, timedUpload, type Drive } from './drive.js';
import { openRcloneCrypt, versusRclone } from './rclone.js';
import { FILE_LABEL, FILE_SIZE, median, p95, percent, repeat, rows, spreadOf } from './rows.js';
import { adminQuery } from '../../packages/server/test/helpers/test-db.js';

/** Idle means: started, then left alone this long, so start-up's garbage is collected. */
const SETTLE_MS = 5_000;
const IDLE_RSS_MB = 120;
const PEAK_RSS_MB = 200;

async function idleRss(server: ServerProcess): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return server.rss();
}

function memoryRows(database: string, idle: number, peak: number, uploads: string): void {
  rows.push({
    metric: `server RSS idle (${database}, ${SETTLE_MS / 1000} s after start)`,
    value: idle / 1e6,
    unit: 'MB',
    target: `≤ ${IDLE_RSS_MB} MB`,
    pass: idle <= IDLE_RSS_MB * 1e6,
  });
  rows.push({
    metric: `server peak RSS uploading ${FILE_LABEL} (${database})`,
    value: peak / 1e6,
    unit: 'MB',
    target: `≤ ${PEAK_RSS_MB} MB`,
    ceiling: uploads,
    pass: peak <= PEAK_RSS_MB * 1e6,
  });
}

async function rangeRow(drive: Drive, fileId: string): Promise<void> {
  const ttfb: number[] = [];
  for (let i = 0; i < 50; i++) {
    const start = Math.floor(FILE_SIZE / 2 + (Math.random() - 0.5) * (FILE_SIZE / 4));
    const res = await receive(
      `${drive.server.baseUrl}/api/v1/files/${fileId}/content`,
      { ...drive.auth, range: `bytes=${start}-${start + 65535}` },
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
}

export async function transferRows(ctx: BenchContext): Promise<void> {
  const ceilings = await ctx.ceilings();
  const file = await ctx.bigFile();
  const crypt = await openRcloneCrypt(file, FILE_SIZE);
  let idle = 0;
  const drive = await startDrive('transfer', { beforeSignIn: async (s) => void (idle = await idleRss(s)) });
  try {
    let fileId = '';
    const theirUploads: number[] = [];
    const up = await repeat(3, async (run) => {
      theirUploads.push(await crypt.upload());
      const done = await timedUpload(drive, drive.rootId, `bench-${run}.bin`, file, FILE_SIZE);
      fileId = done.fileId;
      return done.mbps;
    });
    const peak = drive.server.peakRss();
    const theirDownloads: number[] = [];
    const down = await repeat(3, async () => {
      theirDownloads.push(await crypt.download());
      return (await timedDownload(drive, `/files/${fileId}/content`, FILE_SIZE)).mbps;
    });
    const rclone = { up: spreadOf(theirUploads).median, down: spreadOf(theirDownloads).median };
    crypt.pushRows(spreadOf(theirUploads), spreadOf(theirDownloads));
    ctx.local = { up: up.median, down: down.median };
    // Every byte of an upload is both sealed (on one core: a file's chunks go in order to one cipher
    // thread) and written, so the slower of the two bounds it.
    const upCeiling = Math.min(ceilings.disk, ceilings.seal);
    rows.push({
      metric: `upload ${FILE_LABEL} over HTTP (curl PUT)`,
      value: up.median,
      unit: 'MB/s',
      target: '≥ 90% of the lower of the disk and seal ceilings',
      ceiling: `${percent(up.median, ceilings.disk)} of disk ceiling, ${percent(up.median, ceilings.seal)} of seal ceiling; ${versusRclone(up.median, rclone.up)}`,
      pass: up.median >= 0.9 * upCeiling,
      runs: up.runs,
    });
    rows.push({
      metric: `download ${FILE_LABEL} over HTTP (curl GET)`,
      value: down.median,
      unit: 'MB/s',
      target: '≥ 80% of open ceiling and ≥ 1.2× rclone crypt',
      ceiling: `${percent(down.median, ceilings.open)} of open ceiling; ${versusRclone(down.median, rclone.down)}`,
      pass: down.median >= 0.8 * ceilings.open && down.median >= 1.2 * rclone.down,
      runs: down.runs,
    });
    memoryRows('SQLite', idle, peak, `3 uploads, ${(idle / 1e6).toFixed(0)} MB idle before`);
    await rangeRow(drive, fileId);
  } finally {
    await drive.stop();
    await crypt.close();
  }
  if (process.env.TEST_DATABASE_URL) await postgresMemoryRows(process.env.TEST_DATABASE_URL, file);
}

/** The same memory rows with the metadata on PostgreSQL, in a database of its own dropped afterwards. */
async function postgresMemoryRows(adminUrl: string, file: string): Promise<void> {
  const name = `idrive_bench_${randomBytes(6).toString('hex')}`;
  const admin = (sql: string) => adminQuery(adminUrl, sql);
  await admin(`create database ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    let idle = 0;
    const drive = await startDrive('transfer-pg', {
      env: { DATABASE_URL: url.toString() },
      beforeSignIn: async (s) => void (idle = await idleRss(s)),
    });
    try {
      const up = await timedUpload(drive, drive.rootId, 'bench.bin', file, FILE_SIZE);
      memoryRows(
        'PostgreSQL',
        idle,
        drive.server.peakRss(),
        `1 upload at ${up.mbps.toFixed(0)} MB/s, ${(idle / 1e6).toFixed(0)} MB idle before`,
      );
    } finally {
      await drive.stop();
    }
  } finally {
    await admin(`drop database if exists ${name} with (force)`);
  }
}
