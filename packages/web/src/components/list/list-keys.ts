import type { Item } from '@idrive/shared';
import { shortcutOf } from '../../utils/shortcuts';
import type { ListControl } from './list-control';

const NO_KEYS = { shiftKey: false, ctrlKey: false, metaKey: false };

/**
 * The list's keyboard, from the app's shortcut table: arrows (left and right between tiles),
 * Home/End and PageUp/PageDown move the focus and the selection with it (Shift extends it, Ctrl/Cmd
 * leaves it alone), Space selects, Ctrl+A selects all and Escape clears; Enter, Delete, F2, S and
 * the menu keys do what the view allows. Keys it does not take (`i`) go on to the page.
 */
export function listKeydown<T extends Item>(list: ListControl<T>): (event: KeyboardEvent) => void {
  return (event) => {
    const index = list.active.value;
    const item = list.items.value[index];
    const selection = list.selection;
    let handled = true;
    switch (shortcutOf(event, 'files')) {
      case 'down':
        list.moveTo(index + list.perRow(), event);
        break;
      case 'up':
        list.moveTo(index - list.perRow(), event);
        break;
      case 'right':
      case 'left':
        if (list.tiles) list.moveTo(index + (event.key === 'ArrowRight' ? 1 : -1), event);
        else handled = false;
        break;
      case 'first':
        list.moveTo(0, event);
        break;
      case 'last':
        list.moveTo(list.total.value - 1, event);
        break;
      case 'pageDown':
        list.moveTo(index + list.perPage(), event);
        break;
      case 'pageUp':
        list.moveTo(index - list.perPage(), event);
        break;
      case 'select':
        if (!selection || !item) handled = false;
        else if (event.ctrlKey || event.metaKey) selection.toggle(item.id);
        else list.moveTo(index, { ...NO_KEYS, shiftKey: event.shiftKey });
        break;
      case 'selectAll':
        if (selection) list.selectAll();
        else handled = false;
        break;
      case 'clearSelection':
        if (selection && selection.count > 0) selection.clear();
        else handled = false;
        break;
      case 'open':
        if (item && list.allows('open')) list.open(item);
        else handled = false;
        break;
      case 'trash':
        if (item && list.allows('delete')) list.remove(list.targets());
        else handled = false;
        break;
      case 'rename':
        if (item && list.allows('rename')) list.rename(item);
        else handled = false;
        break;
      case 'star':
        if (item && list.allows('star')) list.star(list.targets());
        else handled = false;
        break;
      case 'menu':
        if (item && list.allows('menu')) list.openMenu(item, null);
        else handled = false;
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  };
}
