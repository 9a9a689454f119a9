import { foldForSearch, type PathEntry, type SearchQuery } from '@idrive/shared';
import type { ItemRow, TagRow, UserRow } from '../db/schema.js';
import type { Repositories } from '../repositories/repositories.js';
import type { ItemService } from './item.service.js';
import type { TagService } from './tag.service.js';

export interface SearchHit {
  item: ItemRow;
  /** From the root down to the folder the item is in. */
  parentPath: PathEntry[];
  tags: TagRow[];
}

/**
 * Finds a user's live files and folders by name (ignoring case and accents) and by type, kind,
 * extension, size, date, tags and place. Items in the trash and other users' items are never found.
 */
export class SearchService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly tags: TagService,
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
    if (query.in) await this.items.liveFolder(user, query.in);
    const filters = {
      ownerId: user.id,
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
    return { hits: await this.describe(rows), total };
  }

  /** Items (none of them a root folder) with where they are and their tags, as results list them. */
  async describe<T extends ItemRow>(rows: T[]): Promise<Array<SearchHit & { item: T }>> {
    const paths = await this.repos.search.folderPaths([...new Set(rows.map((r) => r.parent_id!))]);
    const tags = await this.tags.tagsOf(rows.map((r) => r.id));
    return rows.map((item) => ({
      item,
      parentPath: paths.get(item.parent_id!) ?? [],
      tags: tags.get(item.id) ?? [],
    }));
  }
}
