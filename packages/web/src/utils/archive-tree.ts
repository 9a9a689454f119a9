import type { ArchiveEntry } from '@idrive/shared';

/** What one directory of an archive shows: its subdirectories, then its files. */
export type ArchiveRow =
  { kind: 'directory'; name: string; path: string } | { kind: 'file'; name: string; entry: ArchiveEntry };

/**
 * The rows directly inside `dir` ('' for the top, else a path ending in '/'). Directories appear
 * whether the archive lists them or only their files; both kinds are sorted by name.
 */
export function archiveRows(entries: readonly ArchiveEntry[], dir: string): ArchiveRow[] {
  const directories = new Map<string, ArchiveRow>();
  const files: ArchiveRow[] = [];
  for (const entry of entries) {
    if (!entry.path.startsWith(dir)) continue;
    const rest = entry.path.slice(dir.length);
    const slash = rest.indexOf('/');
    if (slash !== -1 && slash < rest.length - 1) {
      const name = rest.slice(0, slash);
      directories.set(name, { kind: 'directory', name, path: `${dir}${name}/` });
    } else if (entry.directory || slash === rest.length - 1) {
      const name = rest.replace(/\/$/, '');
      if (name) directories.set(name, { kind: 'directory', name, path: `${dir}${name}/` });
    } else if (rest) {
      files.push({ kind: 'file', name: rest, entry });
    }
  }
  const byName = (a: ArchiveRow, b: ArchiveRow) => a.name.localeCompare(b.name);
  return [...[...directories.values()].sort(byName), ...files.sort(byName)];
}

/** The directories from the top down to `dir`, for breadcrumbs: `a/b/` → a, a/b. */
export function archiveTrail(dir: string): { name: string; path: string }[] {
  const parts = dir.split('/').filter(Boolean);
  return parts.map((name, i) => ({ name, path: `${parts.slice(0, i + 1).join('/')}/` }));
}
