import type { Item } from '@idrive/shared';
import { fileIcon, fileKind, fileKinds, type FileIcon, type FileKind } from '@idrive/shared/file-kind';

export type ItemKind = 'folder' | FileKind;

export const ITEM_KINDS: readonly ItemKind[] = ['folder', ...fileKinds];

/** What a person calls the item ("Folder", "Image", "Document"), a key of `browser.kinds`. */
export function itemKind(item: Item): ItemKind {
  return item.type === 'folder' ? 'folder' : fileKind(item.mimeType);
}

export type IconKind = 'folder' | FileIcon;

/** The picture ItemIcon draws for it: a folder, or what kind of page (PDF, spreadsheet, RAW photo…). */
export function itemIcon(item: Pick<Item, 'type' | 'mimeType'>): IconKind {
  return item.type === 'folder' ? 'folder' : fileIcon(item.mimeType);
}

/** Images and videos get a thumbnail once the server has made one. */
export function hasThumbnail(item: Item): boolean {
  const kind = itemKind(item);
  return kind === 'image' || kind === 'video';
}
