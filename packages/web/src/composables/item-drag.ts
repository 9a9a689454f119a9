import type { Item } from '@idrive/shared';
import { shallowRef } from 'vue';

/**
 * Dragging items of the listing onto a folder (a row, a tile or a breadcrumb) to move them. Our own
 * MIME type tells these drags apart from files dragged in from the desktop (uploads).
 */
export const ITEM_DRAG_TYPE = 'application/x-idrive-items';

/** A page can only drag one thing at a time; the items travel here (dataTransfer is unreadable in dragover). */
let dragged: Item[] = [];
/** The folder currently under the pointer, for highlighting. */
export const dropTargetId = shallowRef<string | null>(null);

export function startItemDrag(event: DragEvent, items: Item[]): void {
  if (!event.dataTransfer) return;
  dragged = items;
  event.dataTransfer.effectAllowed = 'move';
  event.dataTransfer.setData(ITEM_DRAG_TYPE, JSON.stringify(items.map((item) => item.id)));
  event.dataTransfer.setData('text/plain', items.map((item) => item.name).join('\n'));
}

export function endItemDrag(): void {
  dragged = [];
  dropTargetId.value = null;
}

function accepts(event: DragEvent, folderId: string): boolean {
  return (
    (event.dataTransfer?.types.includes(ITEM_DRAG_TYPE) ?? false) &&
    !dragged.some((item) => item.id === folderId)
  );
}

/** On dragenter/dragover of a folder: accept the drop (and show it) when it would move something. */
export function dragOverFolder(event: DragEvent, folderId: string): void {
  if (!accepts(event, folderId)) return;
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
  dropTargetId.value = folderId;
}

export function dragLeaveFolder(folderId: string): void {
  if (dropTargetId.value === folderId) dropTargetId.value = null;
}

/** On drop onto a folder: the items to move there, or none when this drop is not ours. */
export function dropOnFolder(event: DragEvent, folderId: string): Item[] {
  if (!accepts(event, folderId)) return [];
  event.preventDefault();
  const items = dragged;
  endItemDrag();
  return items;
}
