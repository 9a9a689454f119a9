import type { Tag, TagList } from '@idrive/shared';
import { http } from './http';

export async function listTags(signal?: AbortSignal): Promise<Tag[]> {
  return (await http.get<TagList>('/tags', { signal })).tags;
}

export function createTag(name: string, color?: string): Promise<Tag> {
  return http.post<Tag>('/tags', { name, color });
}

/** Every tag in `add` on all `ids`, none of `remove`. */
export async function changeItemTags(ids: string[], add: string[], remove: string[]): Promise<void> {
  await http.post('/items/tags', { ids, add, remove });
}
