import type { Item } from '@idrive/shared';
import { useI18n } from 'vue-i18n';
import { useDetailsStore } from '../stores/details';
import { isSharedTop, roleOver } from '../utils/item-access';
import type { ItemActions } from './item-actions';

export interface MenuEntry {
  id: string;
  label: string;
  run: () => void;
  danger?: boolean;
}

/**
 * What can be done to these items, in menu order; the context menu and the selection bar list it.
 * On what is shared with the user, what their role does not allow is not offered (sharing and
 * locks are the owner's; a viewer changes nothing).
 */
export function useItemMenu(actions: ItemActions): (items: Item[]) => MenuEntry[] {
  const { t } = useI18n();
  const details = useDetailsStore();

  return (items) => {
    const [first] = items;
    if (!first) return [];
    const single = items.length === 1 ? first : null;
    const role = roleOver(items, actions.role.value);
    const own = role === 'owner';
    const write = role !== 'viewer';
    // What is shared with the user itself has its entry in its owner's folder.
    const entry = write && !items.some(isSharedTop);
    const show = (kind: 'move' | 'copy' | 'tags') => () => (actions.dialog.value = { kind, items });
    const entries: (MenuEntry | false)[] = [
      !!single && { id: 'open', label: t('browser.actions.open'), run: () => actions.open(single) },
      { id: 'download', label: t('browser.actions.download'), run: () => actions.download(items) },
      !!single &&
        entry && {
          id: 'rename',
          label: t('browser.actions.rename'),
          run: () => (actions.dialog.value = { kind: 'rename', item: single }),
        },
      entry && { id: 'move', label: t('browser.actions.moveTo'), run: show('move') },
      { id: 'copy', label: t('browser.actions.copyTo'), run: show('copy') },
      !!single &&
        own && { id: 'people', label: t('browser.actions.people'), run: () => actions.people(single) },
      !!single && own && { id: 'share', label: t('browser.actions.share'), run: () => actions.share(single) },
      own &&
        single?.type === 'folder' &&
        !single.locked && {
          id: 'lock',
          label: t('browser.actions.lock'),
          run: () => void actions.lock(single),
        },
      own &&
        single?.type === 'folder' &&
        !!single.locked && {
          id: 'change-lock',
          label: t('browser.actions.changeLock'),
          run: () => void actions.lock(single, 'change'),
        },
      own &&
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
      entry && {
        id: 'trash',
        label: t('browser.actions.trash'),
        run: () => void actions.trash(items),
        danger: true,
      },
    ];
    return entries.filter((entry): entry is MenuEntry => entry !== false);
  };
}
