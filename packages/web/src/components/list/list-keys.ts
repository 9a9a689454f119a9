import type { Item } from '@idrive/shared';
import type { ListControl } from './list-control';

const NO_KEYS = { shiftKey: false, ctrlKey: false, metaKey: false };

/**
 * The list's keyboard: arrows (left and right between tiles), Home/End and PageUp/PageDown move the
 * focus and the selection with it (Shift extends it, Ctrl/Cmd leaves it alone), Space selects, Ctrl+A
 * selects all and Escape clears; Enter, Delete, F2, S and the menu keys do what the view allows.
 */
export function listKeydown<T extends Item>(list: ListControl<T>): (event: KeyboardEvent) => void {
  return (event) => {
    const index = list.active.value;
    const item = list.items.value[index];
    const ctrl = event.ctrlKey || event.metaKey;
    const selection = list.selection;
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        list.moveTo(index + list.perRow(), event);
        break;
      case 'ArrowUp':
        list.moveTo(index - list.perRow(), event);
        break;
      case 'ArrowRight':
      case 'ArrowLeft':
        if (list.tiles) list.moveTo(index + (event.key === 'ArrowRight' ? 1 : -1), event);
        else handled = false;
        break;
      case 'Home':
        list.moveTo(0, event);
        break;
      case 'End':
        list.moveTo(list.total.value - 1, event);
        break;
      case 'PageDown':
        list.moveTo(index + list.perPage(), event);
        break;
      case 'PageUp':
        list.moveTo(index - list.perPage(), event);
        break;
      case ' ':
        if (!selection || !item) handled = false;
        else if (ctrl) selection.toggle(item.id);
        else list.moveTo(index, { ...NO_KEYS, shiftKey: event.shiftKey });
        break;
      case 'Enter':
        if (item && list.allows('open')) list.open(item);
        else handled = false;
        break;
      case 'Delete':
        if (list.allows('delete') && item) list.remove(list.targets());
        else handled = false;
        break;
      case 'F2':
        if (list.allows('rename') && item) list.rename(item);
        else handled = false;
        break;
      case 'Escape':
        if (selection && selection.count > 0) selection.clear();
        else handled = false;
        break;
      case 'F10':
        if (event.shiftKey && item && list.allows('menu')) list.openMenu(item, null);
        else handled = false;
        break;
      case 'ContextMenu':
        if (item && list.allows('menu')) list.openMenu(item, null);
        else handled = false;
        break;
      default: {
        const key = event.key.toLowerCase();
        if (ctrl && key === 'a' && selection) list.selectAll();
        else if (!ctrl && !event.altKey && key === 's' && item && list.allows('star'))
          list.star(list.targets());
        else handled = false;
      }
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  };
}
