import type { EventPlace } from '@idrive/shared';
import type { Repositories } from '../repositories/repositories.js';

/** An item's folder and the folders above it, root first, as events carry them. */
export async function placeOf(r: Repositories, parentId: string | null): Promise<EventPlace> {
  if (parentId === null) return { parentId: null, ancestorIds: [] };
  const path = await r.items.pathTo(parentId);
  return { parentId, ancestorIds: path.map((folder) => folder.id) };
}
