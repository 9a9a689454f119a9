// The metadata journal: what it costs an upload (the same drive on emulated Discord with and without
// IDRIVE_JOURNAL, uploads in turn), and how long `npm run restore` takes to rebuild 10,000 files from
// the control channel, from a checkpoint and the journal after it, and from the journal alone.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JournalStatus } from '@idrive/shared';
import type { BenchContext } from './context.js';
import { onDiscord, type OnDiscord } from './discord.js';
import { timedUpload } from './drive.js';
import { run } from './processes.js';
import { FILE_LABEL, FILE_SIZE, percent, rows, spreadOf } from './rows.js';
import { fillSmall } from './zip.js';

const RESTORE_FILES = 10_000;
const RESTORE_FILE_BYTES = 1_000;
const restoreMain = fileURLToPath(
  new URL('../../packages/server/dist/restore/restore-main.js', import.meta.url),
);

/** The upload of the big file, in turn on a drive with the journal and one without, three times each. */
async function uploadRows(file: string): Promise<void> {
  const withJournal = await onDiscord({ limits: false, timeScale: 1 });
  const without = await onDiscord({ limits: false, timeScale: 1, env: { IDRIVE_JOURNAL: 'false' } });
  try {
    const on: number[] = [];
    const off: number[] = [];
    for (let round = 0; round < 3; round++) {
      off.push(
        (await timedUpload(without.drive, without.drive.rootId, `off-${round}.bin`, file, FILE_SIZE)).mbps,
      );
      on.push(
        (await timedUpload(withJournal.drive, withJournal.drive.rootId, `on-${round}.bin`, file, FILE_SIZE))
          .mbps,
      );
    }
    const [a, b] = [spreadOf(on), spreadOf(off)];
    rows.push({
      metric: `Discord path, limits off: upload ${FILE_LABEL} with the metadata journal`,
      value: a.median,
      unit: 'MB/s',
      target: '-',
      ceiling: `without the journal ${b.median.toFixed(0)} MB/s [${b.min.toFixed(0)}–${b.max.toFixed(0)}]: ${percent(a.median, b.median)}`,
      runs: a.runs,
    });
  } finally {
    await without.close();
    await withJournal.close();
  }
}

async function journalStatus(on: OnDiscord): Promise<JournalStatus> {
  const res = await fetch(`${on.drive.server.baseUrl}/api/v1/admin/journal`, { headers: on.drive.auth });
  return (await res.json()) as JournalStatus;
}

/**
 * 10,000 small files batch-uploaded to a drive whose journal catches up; then the drive is gone and
 * `npm run restore` (the built tool, a process of its own) rebuilds it into an empty data directory.
 */
async function restoreRow(label: string, checkpointRecords: number): Promise<void> {
  const masterKey = randomBytes(32).toString('hex');
  const on = await onDiscord({
    limits: false,
    timeScale: 1,
    env: { IDRIVE_MASTER_KEY: masterKey, IDRIVE_CHECKPOINT_RECORDS: String(checkpointRecords) },
  });
  const target = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-restore-'));
  try {
    await fillSmall(on.drive, await on.drive.mkdir('restored'), RESTORE_FILES, RESTORE_FILE_BYTES);
    for (const deadline = Date.now() + 300_000; ;) {
      const s = await journalStatus(on);
      if (s.checkpointThrough !== null && s.writtenThrough === s.committedThrough) break;
      if (Date.now() > deadline) throw new Error(`the journal did not catch up: ${JSON.stringify(s)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const { committedThrough } = await journalStatus(on);
    const seed = on.emulator.state;
    const bot = [...seed.bots.values()][0]!;
    await on.drive.stop();
    const restored = await run(
      process.execPath,
      [restoreMain, '--bot-token', bot.token, '--guild', on.guildId, '--data-dir', target],
      { env: { ...on.env, IDRIVE_MASTER_KEY: masterKey, LOG_LEVEL: 'warn' } },
    );
    const from =
      /from a checkpoint of record (\d+) .* and ([\d,]+) journal segments?, through record (\d+)/.exec(
        restored.stdout,
      );
    if (!from || Number(from[3]) !== committedThrough) {
      throw new Error(`the restore did not reach record ${committedThrough}:\n${restored.stdout}`);
    }
    const records = committedThrough - Number(from[1]);
    rows.push({
      metric: `restore of ${RESTORE_FILES.toLocaleString('en')} files from Discord, ${label}`,
      value: restored.ms / 1000,
      unit: 's',
      target: '-',
      ceiling: `${((RESTORE_FILES * 1000) / restored.ms).toFixed(0)} files/s; checkpoint of record ${from[1]}, then ${records.toLocaleString('en')} records in ${from[2]} segments`,
    });
  } finally {
    await on.close();
    await rm(target, { recursive: true, force: true });
  }
}

export async function journalRows(ctx: BenchContext): Promise<void> {
  await uploadRows(await ctx.bigFile());
  await restoreRow('from a checkpoint and the journal after it', 20_000);
  await restoreRow('from the journal alone', 10_000_000);
}
