import type { Item } from '@idrive/shared';
import {
  dragFilesOverFolder,
  dragLeaveFolder,
  dragOverFolder,
  dropFilesOnFolder,
  dropOnFolder,
  endItemDrag,
  startItemDrag,
} from '../../composables/item-drag';
import type { ListControl } from './list-control';

const LONG_PRESS_MS = 500;

interface Hit<T> {
  item: T;
  index: number;
  target: Element;
}

/**
 * The list's pointer handling, one listener per event for all entries (listeners on every row were
 * added and removed as rows scrolled in and out): the target's `[data-index]` names the entry.
 * A click selects (Ctrl/Cmd toggles, Shift ranges) or, where nothing is selectable, opens; on a
 * touch screen a tap opens (or toggles in selection mode) and a long press starts selection mode.
 */
export function listPointer<T extends Item>(list: ListControl<T>, root: () => HTMLElement | null) {
  let pointerType = 'mouse';
  let pressTimer: ReturnType<typeof setTimeout> | undefined;
  let pressStart = { x: 0, y: 0 };
  let longPressed = false;

  function hit(event: Event): Hit<T> | null {
    const target = event.target instanceof Element ? event.target : null;
    const el = target?.closest<HTMLElement>('[data-index]');
    if (!target || !el || !root()?.contains(el)) return null;
    const index = Number(el.dataset.index);
    const item = list.items.value[index];
    return item ? { item, index, target } : null;
  }

  /** A control the view put in the entry (a link, a button) handles its own clicks. */
  const onControl = (target: Element) => target.closest('a, button, input, select') !== null;

  function onEntry<E extends Event>(handler: (event: E, hit: Hit<T>) => void) {
    return (event: E) => {
      const found = hit(event);
      if (found) handler(event, found);
    };
  }

  /** Only folders take a drop. */
  function onFolder<E extends Event>(handler: (event: E, folder: T) => void) {
    return onEntry<E>((event, { item }) => {
      if (item.type === 'folder') handler(event, item);
    });
  }

  function click(event: MouseEvent, { item, index, target }: Hit<T>): void {
    const selection = list.selection;
    const more = target.closest<HTMLElement>('[data-more]');
    list.active.value = index;
    if (more) return list.openMenu(item, more);
    if (target.closest('[data-check]') && selection) {
      if (event.shiftKey) selection.range(item.id, list.items.value, true);
      else selection.toggle(item.id);
      return;
    }
    if (onControl(target)) return;
    if (!selection) return list.open(item);
    if (pointerType === 'touch') {
      if (longPressed) longPressed = false;
      else if (selection.touchMode) selection.toggle(item.id);
      else list.open(item);
      return;
    }
    const ctrl = event.ctrlKey || event.metaKey;
    if (event.shiftKey) selection.range(item.id, list.items.value, ctrl);
    else if (ctrl) selection.toggle(item.id);
    else selection.only(item.id);
  }

  function pointerdown(event: PointerEvent, { item }: Hit<T>): void {
    pointerType = event.pointerType;
    longPressed = false;
    clearTimeout(pressTimer);
    const selection = list.selection;
    if (event.pointerType !== 'touch' || !selection) return;
    pressStart = { x: event.clientX, y: event.clientY };
    pressTimer = setTimeout(() => {
      longPressed = true;
      selection.startTouchMode(item.id);
      navigator.vibrate?.(20);
    }, LONG_PRESS_MS);
  }

  function contextmenu(event: MouseEvent, { item, index }: Hit<T>): void {
    if (!list.allows('menu')) return;
    event.preventDefault();
    // A long press on a phone is a selection, not a menu.
    if (pointerType === 'touch') return;
    list.active.value = index;
    const keyboard = event.clientX === 0 && event.clientY === 0;
    list.openMenu(item, keyboard ? null : { x: event.clientX, y: event.clientY });
  }

  function dragstart(event: DragEvent, { item }: Hit<T>): void {
    const selection = list.selection;
    if (selection && !selection.has(item.id)) selection.only(item.id);
    startItemDrag(event, selection ? selection.pick(list.items.value) : [item]);
  }

  function dragover(event: DragEvent, folder: T): void {
    if (list.allows('move')) dragOverFolder(event, folder.id);
    if (list.allows('upload')) dragFilesOverFolder(event, folder);
  }

  function drop(event: DragEvent, folder: T): void {
    if (list.allows('upload')) {
      const files = dropFilesOnFolder(event);
      if (files) return list.upload(folder, files);
    }
    const items = dropOnFolder(event, folder.id);
    if (items.length > 0) list.move(items as T[], folder);
  }

  return {
    click: onEntry(click),
    dblclick: onEntry<MouseEvent>((_, { item, target }) => {
      // Where a click opens, the second click of a double one must not open it again.
      if (list.selection && !onControl(target)) list.open(item);
    }),
    contextmenu: onEntry(contextmenu),
    focusin: onEntry((_, { index }) => (list.active.value = index)),
    pointerdown: onEntry(pointerdown),
    pointermove: (event: PointerEvent) => {
      if (Math.hypot(event.clientX - pressStart.x, event.clientY - pressStart.y) > 10)
        clearTimeout(pressTimer);
    },
    cancelPress: () => clearTimeout(pressTimer),
    dragstart: onEntry(dragstart),
    dragend: endItemDrag,
    dragover: onFolder(dragover),
    dragleave: onFolder((_, folder) => dragLeaveFolder(folder.id)),
    drop: onFolder(drop),
  };
}
