import type { DriveEvent, EventPlace } from '@idrive/shared';

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
 * item news inside the folder, with nothing that names a folder above it or elsewhere. A move in
 * from outside looks like a new item, a move out like a deletion; a copy looks like a new item
 * (its source may be outside).
 */
export function shareView(
  rootId: string,
): (event: DriveEvent, closed: ReadonlySet<string>) => DriveEvent | null {
  return (event, closed) => {
    switch (event.type) {
      case 'item.moved': {
        const now = fromShare(event, rootId, closed);
        const was = fromShare(event.from, rootId, closed);
        const base = { id: event.id, at: event.at, item: event.item };
        if (now && was) return { ...event, ...now, from: was };
        if (now) return { type: 'item.created', ...base, ...now };
        if (was) return { type: 'item.deleted', ...base, ...was, reason: 'trashed' };
        return null;
      }
      case 'item.copied': {
        const now = fromShare(event, rootId, closed);
        return now ? { type: 'item.created', id: event.id, at: event.at, item: event.item, ...now } : null;
      }
      case 'item.created':
      case 'item.updated':
      case 'item.deleted':
      case 'item.restored':
      case 'upload.progress': {
        const now = fromShare(event, rootId, closed);
        return now ? { ...event, ...now } : null;
      }
      case 'ready':
      case 'resync':
        return event;
      // A file's history is its owner's: a link shows only what the file holds now.
      case 'item.versions':
      case 'session.ended':
      case 'storage.health':
      case 'item.starred':
      case 'download.progress':
        return null;
    }
  };
}
