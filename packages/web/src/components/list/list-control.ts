import type { Item } from '@idrive/shared';
import type { Ref, ShallowRef } from 'vue';
import type { ListAction, ListSelection, MenuAt } from './types';

/** The keys held with a move or a click. */
export interface Modifiers {
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

/** What the keyboard and pointer handlers of a list work with (ItemList makes it). */
export interface ListControl<T extends Item> {
  /** The loaded entries, in display order. */
  readonly items: Readonly<Ref<readonly T[]>>;
  /** Every entry, loaded or not. */
  readonly total: Readonly<Ref<number>>;
  /** Index of the entry in the tab order. */
  readonly active: ShallowRef<number>;
  readonly selection: ListSelection | null;
  readonly tiles: boolean;
  /** Entries per row (tiles), and per screen. */
  perRow(): number;
  perPage(): number;
  allows(action: ListAction): boolean;
  /** Focuses an entry (rendering it first); with `keys`, the selection follows it as arrows move. */
  moveTo(index: number, keys?: Modifiers): void;
  /** The selection, or the focused entry when nothing is selected. */
  targets(): T[];
  /** Everything, once every page is in. */
  selectAll(): void;
  /** Opens it, where the view allows and the entry is not disabled. */
  open(item: T): void;
  /** The menu for the selection (or this entry), at a point or element; null: under the focused entry. */
  openMenu(item: T, at: MenuAt | null): void;
  rename(item: T): void;
  remove(items: T[]): void;
  star(items: T[]): void;
  move(items: T[], folder: T): void;
  upload(folder: T, data: DataTransfer): void;
}
