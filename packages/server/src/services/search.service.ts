import { foldForSearch, type PathEntry, type SearchQuery, type SharedMark } from '@idrive/shared';
import type { ItemRow, TagRow, UserRow } from '../db/schema.js';
import type { Repositories } from '../repositories/repositories.js';
import type { AccessService } from './access.service.js';
import type { ItemService } from './item.service.js';
import type { TagService } from './tag.service.js';

export interface SearchHit {
  item: ItemRow;
  /** From the root (or the item shared with the user) down to the folder the item is in. */
  parentPath: PathEntry[];
  /** The user's own tags on it. */
  tags: TagRow[];
  /** Whose it is and what the user may do with it, when it is not theirs. */
  shared?: SharedMark;
}

/**
 * Finds the live files and folders a user may see (their own, and what is shared with them) by name
 * (ignoring case and accents) and by type, kind, extension, size, date, tags and place. Items in the
 * trash and other users' items that are not shared with them are never found.
 */
export class SearchService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly tags: TagService,
    private readonly access: AccessService,
  ) {}

  /**
   * `excludedFolderIds`: folders whose contents must not be found (locked folders not open to the
   * caller); the folders themselves still are, as they are listed in their parents.
   */
  async search(
    user: UserRow,
    query: SearchQuery,
    excludedFolderIds: Iterable<string>,
  ): Promise<{ hits: SearchHit[]; total: number }> {
    if (query.in) await this.items.liveFolder(user, query.in, this.repos, 'read');
    const filters = {
      userId: user.id,
      shared: (await this.access.sharedRoots(user)).size > 0,
      text: query.q === undefined ? undefined : foldForSearch(query.q),
      type: query.type,
      kinds: query.kind,
      extensions: query.ext?.map(foldForSearch),
      minSize: query.minSize,
      maxSize: query.maxSize,
      modifiedFrom: query.modifiedFrom,
      modifiedBefore: query.modifiedBefore,
      tagIds: query.tags ? await this.tags.ownedMany(user, query.tags) : undefined,
      withinFolderId: query.in,
      excludedFolderIds: [...excludedFolderIds],
    };
    const { rows, total } = await this.repos.search.find(filters, query);
    return { hits: await this.describe(user, rows), total };
  }

  /**
   * Items (none of them a root folder) with where they are as the user may see it, their tags, and
   * whose they are when not the user's, as results list them.
   */
  async describe<T extends ItemRow>(user: UserRow, rows: T[]): Promise<Array<SearchHit & { item: T }>> {
    const [paths, tags, marks] = await Promise.all([
      this.repos.search.folderPaths([...new Set(rows.map((r) => r.parent_id!))]),
      this.tags.tagsOf(
        user,
        rows.map((r) => r.id),
      ),
      this.access.marks(user, rows),
    ]);
    const roots = marks.size > 0 ? await this.access.sharedRoots(user) : new Set<string>();
    return rows.map((item) => ({
      item,
      parentPath: this.access.visiblePath(user, item.owner_id, paths.get(item.parent_id!) ?? [], roots),
      tags: tags.get(item.id) ?? [],
      ...(marks.has(item.id) ? { shared: marks.get(item.id)! } : {}),
    }));
  }
}
