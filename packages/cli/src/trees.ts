import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Item } from '@idrive/shared';
import { PART_SUFFIX } from './download-file.js';
import type { RemotePaths } from './remote-paths.js';

export interface LocalEntry {
  type: 'file' | 'folder';
  abs: string;
  size: number;
  mtimeMs: number;
}

/**
 * Every folder and regular file below `root`, by path relative to it (`a/b.txt`), parents before
 * children. Symbolic links and unfinished downloads are left out.
 */
export async function localTree(root: string): Promise<Map<string, LocalEntry>> {
  const tree = new Map<string, LocalEntry>();
  const walk = async (dir: string, rel: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const abs = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        tree.set(relPath, { type: 'folder', abs, size: 0, mtimeMs: 0 });
        await walk(abs, relPath);
      } else if (entry.isFile() && !entry.name.endsWith(PART_SUFFIX)) {
        const info = await stat(abs);
        tree.set(relPath, { type: 'file', abs, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  await walk(root, '');
  return tree;
}

/** Every item below a remote folder, by path relative to it, parents before children. */
export async function remoteTree(paths: RemotePaths, folderId: string): Promise<Map<string, Item>> {
  const tree = new Map<string, Item>();
  const walk = async (id: string, rel: string) => {
    const items = [...(await paths.list(id))].sort((a, b) => a.name.localeCompare(b.name));
    for (const item of items) {
      const relPath = rel ? `${rel}/${item.name}` : item.name;
      tree.set(relPath, item);
      if (item.type === 'folder') await walk(item.id, relPath);
    }
  };
  await walk(folderId, '');
  return tree;
}

/** The parent part of a relative path (`a/b.txt` → `a`, `b.txt` → ``). */
export function parentOf(relPath: string): string {
  const at = relPath.lastIndexOf('/');
  return at === -1 ? '' : relPath.slice(0, at);
}

export function baseOf(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}
