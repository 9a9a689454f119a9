import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Item, ItemDetails } from '@idrive/shared';
import type { CommandContext, CommandResult } from './context.js';
import { downloadFile } from './download-file.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { runPool } from './pool.js';
import { formatBytes } from './progress.js';
import { joinRemote } from './remote-paths.js';
import { localTree, remoteTree } from './trees.js';
import { tusUpload } from './tus-upload.js';
import { UploadStateFile } from './upload-state.js';

export interface UploadJob {
  local: string;
  size: number;
  mtimeMs: number;
  parentId: string;
  name: string;
  /** Where it goes, for people (`/Photos/a.jpg`). */
  remote: string;
}

export interface DownloadJob {
  item: Item;
  dest: string;
  remote: string;
}

export interface TransferOutcome {
  path: string;
  remote: string;
  size: number;
  status: 'uploaded' | 'downloaded' | 'skipped' | 'failed';
  resumedFrom?: number;
  error?: { code: string; message: string };
}

/** Sends one file; `replace` overwrites a file of that name, otherwise one of the same size is kept. */
export async function sendFile(
  ctx: CommandContext,
  state: UploadStateFile,
  job: UploadJob,
  replace: boolean,
): Promise<TransferOutcome> {
  const base = { path: job.local, remote: job.remote, size: job.size };
  const existing = await ctx.paths.child(job.parentId, job.name);
  if (existing && !replace) {
    if (existing.type === 'file' && existing.size === job.size) return { ...base, status: 'skipped' };
    throw new CliError(EXIT.conflict, `${job.remote} already exists (use --replace)`, 'name_conflict');
  }
  const transfer = ctx.progress.start(job.remote, job.size);
  try {
    const result = await tusUpload(
      ctx.api,
      state,
      { ...job, conflict: existing ? 'replace' : 'fail' },
      transfer,
      ctx.signal,
      ctx.bandwidth,
    );
    const resumed = result.resumedFrom > 0 ? `, resumed at ${formatBytes(result.resumedFrom)}` : '';
    transfer.finish(`uploaded ${job.remote} (${formatBytes(job.size)}${resumed})`);
    return { ...base, status: 'uploaded', resumedFrom: result.resumedFrom };
  } catch (err) {
    transfer.fail(`failed ${job.remote}: ${(err as Error).message}`);
    throw err;
  }
}

/** Fetches one file (resuming a partial one), checked against the drive's SHA-256. */
export async function fetchFile(ctx: CommandContext, job: DownloadJob): Promise<TransferOutcome> {
  const details = await ctx.api.get<ItemDetails>(`/items/${job.item.id}`);
  const transfer = ctx.progress.start(job.remote, details.size);
  try {
    await mkdir(path.dirname(job.dest), { recursive: true });
    const { resumedFrom } = await downloadFile(
      ctx.api,
      details,
      job.dest,
      transfer,
      ctx.signal,
      ctx.bandwidth,
    );
    const resumed = resumedFrom > 0 ? `, resumed at ${formatBytes(resumedFrom)}` : '';
    transfer.finish(`downloaded ${job.dest} (${formatBytes(details.size)}${resumed})`);
    return { path: job.dest, remote: job.remote, size: details.size, status: 'downloaded', resumedFrom };
  } catch (err) {
    transfer.fail(`failed ${job.dest}: ${(err as Error).message}`);
    throw err;
  }
}

/** The results in one list, and the exit status: interrupted beats any other failure, which beats 0. */
export function settle(
  settled: PromiseSettledResult<TransferOutcome>[],
  describe: (index: number) => { path: string; remote: string; size: number },
): { outcomes: TransferOutcome[]; exitCode: ExitCode } {
  let exitCode: ExitCode = EXIT.ok;
  const outcomes = settled.map((result, index): TransferOutcome => {
    if (result.status === 'fulfilled') return result.value;
    const err = result.reason as Error;
    const cli = err instanceof CliError ? err : new CliError(EXIT.failure, err.message);
    if (exitCode !== EXIT.interrupted) exitCode = cli.exitCode;
    return {
      ...describe(index),
      status: 'failed',
      error: { code: cli.code ?? 'failure', message: cli.message },
    };
  });
  return { outcomes, exitCode };
}

function summary(outcomes: TransferOutcome[]): string {
  const count = (status: TransferOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  const parts = (['uploaded', 'downloaded', 'skipped', 'failed'] as const)
    .map((s) => [s, count(s)] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing to do';
}

/** `upload LOCAL... REMOTE_DIR`: files go into the folder, folders with everything below them. */
export async function uploadCommand(
  ctx: CommandContext,
  locals: string[],
  remoteDir: string,
  options: { jobs: number; replace: boolean },
): Promise<CommandResult> {
  const target = await ctx.paths.ensureFolder(remoteDir);
  const jobs: UploadJob[] = [];
  for (const local of locals) {
    const info = await stat(local).catch(() => {
      throw new CliError(EXIT.notFound, `No such local file or folder: ${local}`, 'not_found');
    });
    const name = path.basename(path.resolve(local));
    const remote = joinRemote(remoteDir, name);
    if (info.isFile()) {
      jobs.push({ local, size: info.size, mtimeMs: info.mtimeMs, parentId: target.id, name, remote });
      continue;
    }
    const folder = await ctx.paths.ensureChild(target.id, name);
    const parents = new Map<string, string>([['', folder.id]]);
    for (const [rel, entry] of await localTree(local)) {
      const parentRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      const parentId = parents.get(parentRel)!;
      const base = rel.slice(rel.lastIndexOf('/') + 1);
      if (entry.type === 'folder') parents.set(rel, (await ctx.paths.ensureChild(parentId, base)).id);
      else
        jobs.push({
          local: entry.abs,
          size: entry.size,
          mtimeMs: entry.mtimeMs,
          parentId,
          name: base,
          remote: joinRemote(remote, rel),
        });
    }
  }
  const state = await UploadStateFile.open();
  const settled = await runPool(jobs, options.jobs, (job) => sendFile(ctx, state, job, options.replace));
  const { outcomes, exitCode } = settle(settled, (i) => ({
    path: jobs[i]!.local,
    remote: jobs[i]!.remote,
    size: jobs[i]!.size,
  }));
  return { json: { files: outcomes }, lines: [summary(outcomes)], exitCode };
}

/** `download REMOTE LOCAL`: a file, or a folder with everything below it, like `cp -r`. */
export async function downloadCommand(
  ctx: CommandContext,
  remote: string,
  local: string,
  options: { jobs: number },
): Promise<CommandResult> {
  const item = await ctx.paths.resolve(remote);
  const into = await stat(local).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const dest = into ? path.join(local, item.name) : local;
  const jobs: DownloadJob[] = [];
  if (item.type === 'file') jobs.push({ item, dest, remote: joinRemote(remote) });
  else {
    await mkdir(dest, { recursive: true });
    for (const [rel, child] of await remoteTree(ctx.paths, item.id)) {
      const target = path.join(dest, ...rel.split('/'));
      if (child.type === 'folder') await mkdir(target, { recursive: true });
      else jobs.push({ item: child, dest: target, remote: joinRemote(remote, rel) });
    }
  }
  const settled = await runPool(jobs, options.jobs, (job) => fetchFile(ctx, job));
  const { outcomes, exitCode } = settle(settled, (i) => ({
    path: jobs[i]!.dest,
    remote: jobs[i]!.remote,
    size: jobs[i]!.item.size,
  }));
  return { json: { files: outcomes }, lines: [summary(outcomes)], exitCode };
}
