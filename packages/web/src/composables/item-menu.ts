import type { Item } from '@idrive/shared';
import { useI18n } from 'vue-i18n';
import { useDetailsStore } from '../stores/details';
import type { ItemActions } from './item-actions';

export interface MenuEntry {
  id: string;
  label: string;
  run: () => void;
  danger?: boolean;
}

/** What can be done to these items, in menu order; the context menu and the selection bar list it. */
export function useItemMenu(actions: ItemActions): (items: Item[]) => MenuEntry[] {
  const { t } = useI18n();
  const details = useDetailsStore();

  return (items) => {
    const [first] = items;
    if (!first) return [];
    const single = items.length === 1 ? first : null;
    const show = (kind: 'move' | 'copy' | 'tags') => () => (actions.dialog.value = { kind, items });
    const entries: (MenuEntry | false)[] = [
      !!single && { id: 'open', label: t('browser.actions.open'), run: () => actions.open(single) },
      { id: 'download', label: t('browser.actions.download'), run: () => actions.download(items) },
      !!single && {
        id: 'rename',
        label: t('browser.actions.rename'),
        run: () => (actions.dialog.value = { kind: 'rename', item: single }),
      },
      { id: 'move', label: t('browser.actions.moveTo'), run: show('move') },
      { id: 'copy', label: t('browser.actions.copyTo'), run: show('copy') },
      !!single && { id: 'share', label: t('browser.actions.share'), run: () => actions.share(single) },
      single?.type === 'folder' &&
        !single.locked && {
          id: 'lock',
          label: t('browser.actions.lock'),
          run: () => void actions.lock(single),
        },
      single?.type === 'folder' &&
        !!single.locked && {
          id: 'change-lock',
          label: t('browser.actions.changeLock'),
          run: () => void actions.lock(single, 'change'),
        },
      single?.type === 'folder' &&
        !!single.locked && {
          id: 'remove-lock',
          label: t('browser.actions.removeLock'),
          run: () => void actions.lock(single, 'remove'),
        },
      {
        id: 'star',
        label: t(items.every((item) => item.starred) ? 'browser.actions.unstar' : 'browser.actions.star'),
        run: () => void actions.toggleStar(items),
      },
      { id: 'tags', label: t('browser.actions.tags'), run: show('tags') },
      single?.type === 'file' && {
        id: 'versions',
        label: t('browser.actions.versions'),
        run: () => (actions.dialog.value = { kind: 'versions', item: single }),
      },
      !!single && { id: 'details', label: t('browser.actions.details'), run: () => details.show(single) },
      { id: 'trash', label: t('browser.actions.trash'), run: () => void actions.trash(items), danger: true },
    ];
    return entries.filter((entry): entry is MenuEntry => entry !== false);
  };
}
