import type { Item } from '@idrive/shared';
import type { Picked } from './entries';
import { baseName, directoryOf } from './plan';

/**
 * The folders an upload must make itself: the top ones (so they show in the listing at once) and the
 * empty ones (no file would make them). Batches make the others on the way.
 */
export function foldersToMake(picked: Picked): string[] {
  const filled = new Set<string>();
  for (const { path } of picked.files) {
    for (let dir = directoryOf(path); dir && !filled.has(dir); dir = directoryOf(dir)) filled.add(dir);
  }
  const tops = picked.folders.map((folder) => folder.split('/')[0]!);
  const empty = picked.folders.filter((folder) => !filled.has(folder));
  return [...new Set([...tops, ...empty])];
}

/**
 * Makes (or reuses) the folders uploads go into, parents first, each once: by destination and
 * lower-cased path, since names are case-insensitive. A failure is not remembered, so a retry tries
 * again.
 */
export class FolderMaker {
  private readonly ids = new Map<string, Promise<string>>();

  constructor(
    private readonly ensure: (parentId: string, name: string) => Promise<Item>,
    /** A folder was made or found: the open listing shows it. */
    private readonly onFolder: (folder: Item) => void,
  ) {}

  /** The id of the folder at `dir` below the destination (`''` is the destination itself). */
  folderFor(destinationId: string, dir: string): Promise<string> {
    if (!dir) return Promise.resolve(destinationId);
    const key = `${destinationId}/${dir.toLowerCase()}`;
    let id = this.ids.get(key);
    if (!id) {
      id = this.folderFor(destinationId, directoryOf(dir)).then(async (parentId) => {
        const folder = await this.ensure(parentId, baseName(dir));
        this.onFolder(folder);
        return folder.id;
      });
      id.catch(() => this.ids.delete(key));
      this.ids.set(key, id);
    }
    return id;
  }
}
