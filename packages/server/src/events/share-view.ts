import type { DriveEvent, EventPlace } from '@idrive/shared';

type ItemNews = Extract<DriveEvent, { ancestorIds: string[] }>;
type Seen = (place: EventPlace, itemId: string | null) => EventPlace | null;

/**
 * An item event as someone sees it who sees only some places (`seen` rewrites a place for them, or
 * says null when they cannot see it): a move in from out of sight looks like a new item, a move out
 * like a deletion, anything else out of sight is not shown.
 */
function throughPlaces(event: ItemNews, seen: Seen): DriveEvent | null {
  const itemId = 'item' in event ? event.item.id : null;
  if (event.type === 'item.moved') {
    const now = seen(event, itemId);
    const was = seen(event.from, itemId);
    const base = { id: event.id, at: event.at, item: event.item };
    if (now && was) return { ...event, ...now, from: was };
    if (now) return { type: 'item.created', ...base, ...now };
    if (was) return { type: 'item.deleted', ...base, ...was, reason: 'trashed' };
    return null;
  }
  const now = seen(event, itemId);
  return now ? { ...event, ...now } : null;
}

/**
 * A place as seen from a shared folder: the folders above it are cut off; null when outside it, or
 * when a closed locked folder lies on the way down to it (a lock above the link closes the link).
 */
function fromShare(place: EventPlace, rootId: string, closed: ReadonlySet<string>): EventPlace | null {
  const at = place.ancestorIds.indexOf(rootId);
  if (at === -1 || place.ancestorIds.slice(0, at + 1).some((id) => closed.has(id))) return null;
  return { parentId: place.parentId, ancestorIds: place.ancestorIds.slice(at) };
}

/**
 * What a share link's visitor may see of an event published to the shared folder's topic: only
 * item news inside the folder, with nothing that names a folder above it or elsewhere. A copy looks
 * like a new item (its source may be outside).
 */
export function shareView(
  rootId: string,
): (event: DriveEvent, closed: ReadonlySet<string>) => DriveEvent | null {
  return (event, closed) => {
    const seen: Seen = (place) => fromShare(place, rootId, closed);
    switch (event.type) {
      case 'item.copied': {
        const now = seen(event, event.item.id);
        return now ? { type: 'item.created', id: event.id, at: event.at, item: event.item, ...now } : null;
      }
      case 'item.moved':
      case 'item.created':
      case 'item.updated':
      case 'item.deleted':
      case 'item.restored':
      case 'upload.progress':
        return throughPlaces(event, seen);
      case 'ready':
      case 'resync':
        return event;
      // A file's history is its owner's: a link shows only what the file holds now.
      case 'item.versions':
      case 'session.ended':
      case 'storage.health':
      case 'item.starred':
      case 'access.changed':
      case 'download.progress':
        return null;
    }
  };
}

/**
 * What a signed-in user may see of an event that reached their topic: news of their own drive as it
 * is; of another user's items, only what lies in or below an item shared with them (`roots`, looked
 * up anew for every batch, so an ended share stops the news at once), seen from the outermost such
 * item down, as its owner's folders above it are none of theirs. The shared item itself is placed
 * at the top (no folders above it), where Shared with me lists it.
 */
export function userView(
  ownRootId: string,
  roots: ReadonlySet<string>,
): (event: DriveEvent) => DriveEvent | null {
  const seen: Seen = (place, itemId) => {
    // Only a root folder has no folder: another user's root is never shared, so this is the user's.
    if (place.parentId === null || place.ancestorIds[0] === ownRootId) return place;
    const at = place.ancestorIds.findIndex((id) => roots.has(id));
    if (at !== -1) return { parentId: place.parentId, ancestorIds: place.ancestorIds.slice(at) };
    return itemId !== null && roots.has(itemId) ? { parentId: place.parentId, ancestorIds: [] } : null;
  };
  return (event) => ('ancestorIds' in event ? throughPlaces(event, seen) : event);
}
