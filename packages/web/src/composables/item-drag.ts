import type { Item } from '@idrive/shared';
import { shallowRef } from 'vue';

/**
 * Dragging items of the listing onto a folder (a row, a tile or a breadcrumb) to move them, and
 * files from the desktop onto a folder of the listing to upload them there. Our own MIME type tells
 * the first kind apart from the second.
 */
export const ITEM_DRAG_TYPE = 'application/x-idrive-items';

/** A page can only drag one thing at a time; the items travel here (dataTransfer is unreadable in dragover). */
let dragged: Item[] = [];
/** The folder currently under the pointer, for highlighting. */
export const dropTargetId = shallowRef<string | null>(null);
/** The folder of the listing that files dragged in from the desktop are over (null: the open folder). */
export const fileDropFolder = shallowRef<{ id: string; name: string } | null>(null);

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
  fileDropFolder.value = null;
}

/** Whether a drag brings files from outside the page (the desktop, a file manager). */
export function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
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

/** On dragenter/dragover of a folder of the listing: files from the desktop would upload into it. */
export function dragFilesOverFolder(event: DragEvent, folder: { id: string; name: string }): void {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  dropTargetId.value = folder.id;
  if (fileDropFolder.value?.id !== folder.id) fileDropFolder.value = { id: folder.id, name: folder.name };
}

export function dragLeaveFolder(folderId: string): void {
  if (dropTargetId.value === folderId) dropTargetId.value = null;
  if (fileDropFolder.value?.id === folderId) fileDropFolder.value = null;
}

/**
 * On drop onto a folder of the listing: the files to upload there, or null when the drop brings
 * none. Taken while the drop event runs (the browser empties the DataTransfer afterwards); the drop
 * is marked handled, so the page-wide drop zone leaves it alone.
 */
export function dropFilesOnFolder(event: DragEvent): DataTransfer | null {
  if (!carriesFiles(event) || !event.dataTransfer) return null;
  event.preventDefault();
  endItemDrag();
  return event.dataTransfer;
}

/** On drop onto a folder: the items to move there, or none when this drop is not ours. */
export function dropOnFolder(event: DragEvent, folderId: string): Item[] {
  if (!accepts(event, folderId)) return [];
  event.preventDefault();
  const items = dragged;
  endItemDrag();
  return items;
}
