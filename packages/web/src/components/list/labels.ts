import type { ShareRole } from '@idrive/shared';
import { computed, inject, provide, type ComputedRef, type InjectionKey } from 'vue';
import { useI18n } from 'vue-i18n';
import type { PlaceNames } from '../../utils/item-location';
import { ITEM_KINDS, type ItemKind } from '../../utils/item-kind';

/** The words every row needs, looked up once per language rather than once per row and frame. */
export interface ListLabels {
  kinds: Record<ItemKind, string>;
  select(name: string): string;
  showIn(place: string): string;
  more(name: string): string;
  menu: string;
  loading: string;
  places: PlaceNames;
  /** Whose a shared entry is and as what. */
  sharedBy(owner: string, role: ShareRole): string;
}

const key: InjectionKey<ComputedRef<ListLabels>> = Symbol('list-labels');

/**
 * A message with a name in it, translated once with a marker where the name goes: vue-i18n's t()
 * cost more than the rest of a row's update while scrolling.
 */
function withName(message: (mark: string) => string): (name: string) => string {
  const MARK = '\u0000';
  const parts = message(MARK).split(MARK);
  return (name) => parts.join(name);
}

export function provideListLabels(): ComputedRef<ListLabels> {
  const { t } = useI18n();
  const labels = computed((): ListLabels => ({
    kinds: Object.fromEntries(ITEM_KINDS.map((kind) => [kind, t(`browser.kinds.${kind}`)])) as Record<
      ItemKind,
      string
    >,
    select: withName((name) => t('list.select', { name })),
    showIn: withName((place) => t('list.showIn', { place })),
    more: withName((name) => t('browser.actions.more', { name })),
    menu: t('browser.actions.menu'),
    loading: t('list.loading'),
    places: { home: t('common.home'), sharedWithMe: t('sharedWithMe.title') },
    sharedBy: (name, role) => t('sharedWithMe.by', { name, role: t(`sharedWithMe.role.${role}`) }),
  }));
  provide(key, labels);
  return labels;
}

export function useListLabels(): ComputedRef<ListLabels> {
  const labels = inject(key);
  if (!labels) throw new Error('useListLabels needs an ItemList above it');
  return labels;
}
