import { computed, type ComputedRef } from 'vue';
import { useI18n } from 'vue-i18n';
import { useFolderStore } from '../stores/folder';
import type { Destination } from './job';

/** The folder being browsed, as an upload destination; null while none is shown. */
export function useCurrentDestination(): ComputedRef<Destination | null> {
  const { t } = useI18n();
  const folders = useFolderStore();
  return computed(() => {
    const folder = folders.folder;
    if (!folder) return null;
    return { id: folder.id, name: folder.parentId === null ? t('common.home') : folder.name };
  });
}
