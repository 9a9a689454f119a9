// The scrubber on an emulated Discord with Discord's limits on (4 channels, one copy of each chunk):
// how many chunks a run checks per second, by reading the messages they are in and by reading every
// copy back and opening it, beside what the bot's request budget allows; and that it stays within
// the limits (no 429, no invalid request).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StorageStatus } from '@idrive/shared';
import { onDiscord } from './discord.js';
import { timedUpload } from './drive.js';
import { MiB, rows } from './rows.js';

/** Small chunks, so that a modest file makes hundreds of them: ten to a message (Discord's most). */
const CHUNK_SIZE = 256 * 1024;
const FILE_BYTES = 64 * MiB;
const CHUNKS = FILE_BYTES / CHUNK_SIZE;
const ATTACHMENTS_PER_MESSAGE = 10;
/** The bot requests per second the drive paces itself to (Discord's global limit per bot). */
const BOT_REQUESTS_PER_SECOND = 50;

/** The first scrub run that looked at every copy, read off the admin Storage API. */
async function fullRun(
  baseUrl: string,
  auth: { authorization: string },
): Promise<NonNullable<StorageStatus['copies']['scrub']['last']>> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const status = (await (
      await fetch(`${baseUrl}/api/v1/admin/storage`, { headers: auth })
    ).json()) as StorageStatus;
    const last = status.copies.scrub.last;
    if (last && status.copies.copies >= CHUNKS && last.checked >= status.copies.copies) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('no scrub run looked at every copy within two minutes');
}

async function scrubRate(deep: boolean, file: string): Promise<void> {
  const on = await onDiscord({
    limits: true,
    timeScale: 1,
    env: {
      IDRIVE_CHUNK_SIZE: String(CHUNK_SIZE),
      // A run a second, each looking at every copy: the period is shorter than the interval.
      IDRIVE_JOB_INTERVAL_SECONDS: '1',
      IDRIVE_SCRUB_PERIOD_DAYS: '0.00001',
      IDRIVE_SCRUB_DEEP_PERCENT: deep ? '100' : '0',
    },
  });
  try {
    await timedUpload(on.drive, on.drive.rootId, 'scrubbed.bin', file, FILE_BYTES);
    const before = on.emulator.control.stats();
    const run = await fullRun(on.drive.server.baseUrl, on.drive.auth);
    const after = on.emulator.control.stats();
    const limited = ['user', 'global', 'shared'] as const;
    const rateLimited = limited.reduce((n, k) => n + after.rateLimited[k] - before.rateLimited[k], 0);
    const invalid = after.invalidRequests - before.invalidRequests;
    const perSecond = run.checked / (run.ms / 1000);
    const budget = deep
      ? 'one CDN read per chunk (the CDN has no announced limit)'
      : `${BOT_REQUESTS_PER_SECOND} bot requests/s × ${ATTACHMENTS_PER_MESSAGE} chunks a message = ${BOT_REQUESTS_PER_SECOND * ATTACHMENTS_PER_MESSAGE} chunks/s`;
    rows.push({
      metric: `Scrub rate, ${deep ? 'reading every copy back and opening it' : 'message reads'} (${CHUNKS} chunks of ${CHUNK_SIZE / 1024} KiB)`,
      value: perSecond,
      unit: 'chunks/s',
      target: 'within the limits: no 429, no invalid request',
      ceiling: `${run.checked} checked in ${(run.ms / 1000).toFixed(2)} s; the limits allow ${budget}; ${rateLimited} 429s, ${invalid} invalid`,
      pass: rateLimited === 0 && invalid === 0 && run.failed === 0,
    });
  } finally {
    await on.close();
  }
}

export async function scrubRows(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-scrub-'));
  const file = path.join(dir, 'scrubbed.bin');
  try {
    await writeFile(file, randomBytes(FILE_BYTES));
    await scrubRate(false, file);
    await scrubRate(true, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
