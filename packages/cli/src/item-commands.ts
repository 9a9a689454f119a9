import type { Item, ItemList, SearchResponse, Share } from '@idrive/shared';
import type { CommandContext, CommandResult } from './context.js';
import { usageError } from './exit-codes.js';
import { formatBytes } from './progress.js';
import { joinRemote, splitRemote } from './remote-paths.js';

function row(item: Item, name = item.name): string {
  const size = item.type === 'folder' ? '-' : formatBytes(item.size);
  return `${item.type === 'folder' ? 'd' : '-'} ${size.padStart(9)}  ${item.updatedAt.slice(0, 16).replace('T', ' ')}  ${name}${item.type === 'folder' ? '/' : ''}`;
}

/** `ls [PATH]`: a folder's contents, or one file. */
export async function lsCommand(ctx: CommandContext, remote = '/'): Promise<CommandResult> {
  const item = await ctx.paths.resolve(remote);
  if (item.type === 'file') return { json: { items: [item] }, lines: [row(item)] };
  const items = await ctx.paths.list(item.id);
  return { json: { folder: { ...item, path: joinRemote(remote) }, items }, lines: items.map((i) => row(i)) };
}

/** The folder a path's last name goes into, and that name. */
async function parentAndName(ctx: CommandContext, remote: string): Promise<{ parent: Item; name: string }> {
  const parts = splitRemote(remote);
  const name = parts.pop();
  if (!name) throw usageError('The root folder cannot be the target');
  return { parent: await ctx.paths.folder(joinRemote(...parts)), name };
}

/** `mv SRC DEST`: into DEST when it is a folder, else to DEST's folder under DEST's name. */
export async function mvCommand(ctx: CommandContext, source: string, dest: string): Promise<CommandResult> {
  const item = await ctx.paths.resolve(source);
  const target = await ctx.paths.find(dest);
  const body =
    target?.type === 'folder'
      ? { parentId: target.id }
      : await parentAndName(ctx, dest).then(({ parent, name }) => ({ parentId: parent.id, name }));
  const moved = await ctx.api.json<Item>('PATCH', `/items/${item.id}`, body);
  return { json: moved, lines: [`moved ${joinRemote(source)} → ${joinRemote(dest)}`] };
}

/** `cp SRC DEST_DIR`: a copy (of a folder: with everything below it) in the folder. */
export async function cpCommand(
  ctx: CommandContext,
  source: string,
  destDir: string,
): Promise<CommandResult> {
  const item = await ctx.paths.resolve(source);
  const folder = await ctx.paths.folder(destDir);
  const { items } = await ctx.api.json<ItemList>('POST', '/items/copy', {
    ids: [item.id],
    parentId: folder.id,
  });
  return {
    json: { items },
    lines: items.map((i) => `copied ${joinRemote(source)} → ${joinRemote(destDir, i.name)}`),
  };
}

/** `rm PATH...`: to the trash, from where the web app restores them. */
export async function rmCommand(ctx: CommandContext, remotes: string[]): Promise<CommandResult> {
  const items = [];
  for (const remote of remotes) {
    const item = await ctx.paths.resolve(remote);
    if (item.parentId === null) throw usageError('The root folder cannot be removed');
    items.push(item);
  }
  await ctx.api.json('POST', '/items/trash', { ids: items.map((i) => i.id) });
  return { json: { trashed: items.map((i) => i.id) }, lines: remotes.map((r) => `trashed ${joinRemote(r)}`) };
}

/** `share PATH`: a new share link, printed as a URL. */
export async function shareCommand(
  ctx: CommandContext,
  remote: string,
  options: { password?: string; expiresAt?: string; maxDownloads?: number; upload: boolean },
): Promise<CommandResult> {
  const item = await ctx.paths.resolve(remote);
  const share = await ctx.api.json<Share>('POST', '/shares', {
    itemId: item.id,
    mode: options.upload ? 'upload' : 'read',
    ...(options.password ? { password: options.password } : {}),
    ...(options.expiresAt ? { expiresAt: new Date(options.expiresAt).toISOString() } : {}),
    ...(options.maxDownloads ? { maxDownloads: options.maxDownloads } : {}),
  });
  // Relative when the drive does not know its public address: this is the address we reached it at.
  const url = new URL(share.url, ctx.api.base + '/').toString();
  return { json: { ...share, url }, lines: [url] };
}

/** `search QUERY`: by name, ignoring case and accents, anywhere in the drive. */
export async function searchCommand(
  ctx: CommandContext,
  query: string,
  options: { limit: number },
): Promise<CommandResult> {
  const result = await ctx.api.get<SearchResponse>('/search', { q: query, limit: options.limit });
  const lines = result.items.map((item) =>
    row(item, joinRemote(...item.parentPath.slice(1).map((p) => p.name), item.name)),
  );
  if (result.total > result.items.length) lines.push(`… ${result.total - result.items.length} more`);
  return { json: result, lines };
}
