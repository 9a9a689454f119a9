import type { SearchResult, Tag, TagSummary } from '@idrive/shared';
import type { TagRow } from '../db/schema.js';
import type { SearchHit } from '../services/search.service.js';
import { presentUserItem } from './presenters.js';

export function presentTagSummary(row: TagRow): TagSummary {
  return { id: row.id, name: row.name, color: row.color };
}

export function presentTag(row: TagRow & { items: number }): Tag {
  return { ...presentTagSummary(row), items: row.items, createdAt: new Date(row.created_at).toISOString() };
}

/** `locks` holds the ids of locked folders among the results, `stars` those the user starred. */
export function presentSearchHit(
  hit: SearchHit,
  locks: ReadonlySet<string>,
  stars: ReadonlySet<string>,
): SearchResult {
  return {
    ...presentUserItem(hit.item, locks, stars),
    ...(hit.shared ? { shared: hit.shared } : {}),
    parentPath: hit.parentPath,
    tags: hit.tags.map(presentTagSummary),
  };
}
