import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Item, ItemDetails } from '@idrive/shared';
import type { CommandContext, CommandResult } from './context.js';
import { sha256OfFile } from './download-file.js';
import { CliError, EXIT, usageError } from './exit-codes.js';
import { runPool } from './pool.js';
import { joinRemote } from './remote-paths.js';
import { baseOf, localTree, parentOf, remoteTree, type LocalEntry } from './trees.js';
import { fetchFile, sendFile, settle, type TransferOutcome } from './transfers.js';
import { UploadStateFile } from './upload-state.js';

export type SyncAction = 'mkdir' | 'upload' | 'replace' | 'download' | 'delete';

export interface SyncChange {
  action: SyncAction;
  /** Relative to the two roots, `/`-separated. */
  path: string;
  size?: number;
}

export interface SyncOptions {
  dryRun: boolean;
  delete: boolean;
  checksum: boolean;
  jobs: number;
}

type Direction = 'up' | 'down';

/** A one-way sync: the destination is made to match the source; `--delete` removes what the source lacks. */
export async function syncCommand(
  ctx: CommandContext,
  from: string,
  to: string,
  options: SyncOptions,
): Promise<CommandResult> {
  const direction: Direction | null =
    to.startsWith(':') && !from.startsWith(':')
      ? 'up'
      : from.startsWith(':') && !to.startsWith(':')
        ? 'down'
        : null;
  if (!direction)
    throw usageError(
      'sync needs one local path and one remote path written with a leading ":" (e.g. :/Photos)',
    );
  const [localRoot, remoteRoot] = direction === 'up' ? [from, to] : [to, from];
  const localInfo = await stat(localRoot).catch(() => null);
  if (direction === 'up' && !localInfo?.isDirectory())
    throw new CliError(EXIT.notFound, `No such local folder: ${localRoot}`, 'not_found');
  if (localInfo && !localInfo.isDirectory()) throw usageError(`${localRoot} is not a folder`);
  const folder =
    direction === 'up' ? await ctx.paths.ensureFolder(remoteRoot) : await ctx.paths.folder(remoteRoot);
  const local = localInfo ? await localTree(localRoot) : new Map<string, LocalEntry>();
  const remote = await remoteTree(ctx.paths, folder.id);
  const changes = await plan(ctx, direction, local, remote, options);
  if (options.dryRun) {
    return {
      json: { dryRun: true, changes },
      lines: changes.length ? changes.map(describe) : ['nothing to do'],
    };
  }
  const outcomes =
    direction === 'up'
      ? await applyUp(ctx, changes, local, remote, folder, remoteRoot, options)
      : await applyDown(ctx, changes, remote, localRoot, remoteRoot, options);
  const done = changes.length - outcomes.outcomes.filter((o) => o.status === 'failed').length;
  return {
    json: { dryRun: false, changes, files: outcomes.outcomes },
    lines: [changes.length ? `${done} of ${changes.length} changes made` : 'nothing to do'],
    exitCode: outcomes.exitCode,
  };
}

function describe(change: SyncChange): string {
  return `${change.action.padEnd(8)} ${change.path}`;
}

async function plan(
  ctx: CommandContext,
  direction: Direction,
  local: Map<string, LocalEntry>,
  remote: Map<string, Item>,
  options: SyncOptions,
): Promise<SyncChange[]> {
  const changes: SyncChange[] = [];
  const [source, target] = direction === 'up' ? [local, remote] : [remote, local];
  for (const [rel, entry] of source) {
    const there = target.get(rel);
    const size = entry.type === 'file' ? entry.size : undefined;
    if (entry.type === 'folder') {
      if (!there) changes.push({ action: 'mkdir', path: rel });
      else if (there.type !== 'folder')
        throw new CliError(
          EXIT.conflict,
          `${rel} is a folder on one side and a file on the other`,
          'conflict',
        );
      continue;
    }
    const copy: SyncAction = direction === 'up' ? 'upload' : 'download';
    if (!there) changes.push({ action: copy, path: rel, size });
    else if (there.type !== 'file')
      throw new CliError(EXIT.conflict, `${rel} is a file on one side and a folder on the other`, 'conflict');
    else {
      const [l, r] =
        direction === 'up' ? [entry as LocalEntry, there as Item] : [there as LocalEntry, entry as Item];
      if (await differs(ctx, direction, l, r, options.checksum)) {
        changes.push({ action: direction === 'up' ? 'replace' : 'download', path: rel, size });
      }
    }
  }
  if (options.delete) {
    const deleted = new Set<string>();
    for (const rel of target.keys()) {
      if (source.has(rel) || deleted.has(parentOf(rel)) || ancestorDeleted(rel, deleted)) continue;
      deleted.add(rel);
      changes.push({ action: 'delete', path: rel });
    }
  }
  return changes;
}

function ancestorDeleted(rel: string, deleted: Set<string>): boolean {
  for (let p = parentOf(rel); p !== ''; p = parentOf(p)) if (deleted.has(p)) return true;
  return false;
}

/**
 * By size and time, or by SHA-256 with `--checksum`. The drive dates a file by when it arrived, so an
 * upload is needed when the local file is newer than that, and a download when the two times differ
 * (a download gives the local file the drive's time).
 */
async function differs(
  ctx: CommandContext,
  direction: Direction,
  local: LocalEntry,
  remote: Item,
  checksum: boolean,
): Promise<boolean> {
  if (local.size !== remote.size) return true;
  if (checksum) {
    const details = await ctx.api.get<ItemDetails>(`/items/${remote.id}`);
    return details.sha256 !== (await sha256OfFile(local.abs));
  }
  const remoteSeconds = Math.floor(Date.parse(remote.updatedAt) / 1000);
  const localSeconds = Math.floor(local.mtimeMs / 1000);
  return direction === 'up' ? localSeconds > remoteSeconds : localSeconds !== remoteSeconds;
}

async function applyUp(
  ctx: CommandContext,
  changes: SyncChange[],
  local: Map<string, LocalEntry>,
  remote: Map<string, Item>,
  root: Item,
  remoteRoot: string,
  options: SyncOptions,
) {
  const folderIds = new Map<string, string>([['', root.id]]);
  for (const [rel, item] of remote) if (item.type === 'folder') folderIds.set(rel, item.id);
  for (const change of changes.filter((c) => c.action === 'mkdir')) {
    const folder = await ctx.paths.ensureChild(folderIds.get(parentOf(change.path))!, baseOf(change.path));
    folderIds.set(change.path, folder.id);
  }
  const sends = changes.filter((c) => c.action === 'upload' || c.action === 'replace');
  const state = await UploadStateFile.open();
  const settled = await runPool(sends, options.jobs, (change) => {
    const entry = local.get(change.path)!;
    const job = {
      local: entry.abs,
      size: entry.size,
      mtimeMs: entry.mtimeMs,
      parentId: folderIds.get(parentOf(change.path))!,
      name: baseOf(change.path),
      remote: joinRemote(remoteRoot, change.path),
    };
    return sendFile(ctx, state, job, change.action === 'replace');
  });
  const deletions = changes.filter((c) => c.action === 'delete').map((c) => remote.get(c.path)!.id);
  for (let i = 0; i < deletions.length; i += 1000) {
    await ctx.api.json('POST', '/items/trash', { ids: deletions.slice(i, i + 1000) });
  }
  return settle(settled, (i) => ({
    path: local.get(sends[i]!.path)!.abs,
    remote: joinRemote(remoteRoot, sends[i]!.path),
    size: sends[i]!.size ?? 0,
  }));
}

async function applyDown(
  ctx: CommandContext,
  changes: SyncChange[],
  remote: Map<string, Item>,
  localRoot: string,
  remoteRoot: string,
  options: SyncOptions,
) {
  const localPath = (rel: string) => path.join(localRoot, ...rel.split('/'));
  await mkdir(localRoot, { recursive: true });
  for (const change of changes.filter((c) => c.action === 'mkdir'))
    await mkdir(localPath(change.path), { recursive: true });
  const fetches = changes.filter((c) => c.action === 'download');
  const settled = await runPool(fetches, options.jobs, (change): Promise<TransferOutcome> =>
    fetchFile(ctx, {
      item: remote.get(change.path)!,
      dest: localPath(change.path),
      remote: joinRemote(remoteRoot, change.path),
    }),
  );
  for (const change of changes.filter((c) => c.action === 'delete')) {
    await rm(localPath(change.path), { recursive: true, force: true });
  }
  return settle(settled, (i) => ({
    path: localPath(fetches[i]!.path),
    remote: joinRemote(remoteRoot, fetches[i]!.path),
    size: fetches[i]!.size ?? 0,
  }));
}
