import type { SortKey } from '@idrive/shared';
import type { SortOrder } from '../../utils/sort-items';

/**
 * What the list itself may do for a view, by keyboard, pointer and drag; a view lists what it
 * allows and answers the events. Anything not listed is never offered.
 * - `open`: Enter, a double click (or a click where nothing is selectable), a tap → `open`
 * - `menu`: right click, the ⋮ button, Shift+F10 and the Menu key → `menu`
 * - `rename`: F2 → `rename`
 * - `delete`: the Delete key → `delete`
 * - `star`: the S key → `star`
 * - `move`: dragging entries onto a folder of the list → `move`
 * - `upload`: files dragged from the desktop onto a folder of the list → `upload`
 */
export type ListAction = 'open' | 'menu' | 'rename' | 'delete' | 'star' | 'move' | 'upload';

/**
 * The columns of the rows layout, after the name: `location` is a search result's folder (a link
 * there), `modified` the modification time (or what `when` says), `trashed` when it went to the
 * trash, `type` its kind.
 */
export type ListColumn = 'location' | 'size' | 'modified' | 'type' | 'trashed';

export type ListLayout = 'rows' | 'tiles';

/** The sort the column headers show and change. */
export interface ListSort {
  key: SortKey;
  order: SortOrder;
}

/** Where a menu opens: at the pointer, or under an element (the ⋮ button, the focused row). */
export type MenuAt = { x: number; y: number } | HTMLElement;

/**
 * Which entries are selected; the selection store is one, so views and their toolbars share it.
 * Ranges and "all" are in display order, over the entries passed.
 */
export interface ListSelection {
  readonly count: number;
  readonly touchMode: boolean;
  has(id: string): boolean;
  only(id: string): void;
  toggle(id: string): void;
  range(id: string, entries: readonly { id: string }[], add?: boolean): void;
  selectAll(entries: readonly { id: string }[]): void;
  clear(): void;
  startTouchMode(id: string): void;
  pick<T extends { id: string }>(entries: readonly T[]): T[];
}
