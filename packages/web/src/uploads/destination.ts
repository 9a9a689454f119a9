import { computed, type ComputedRef } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute } from 'vue-router';
import { useFolderStore } from '../stores/folder';
import type { Destination } from './job';

/**
 * The folder being browsed, as an upload destination; null while none is shown (another page, or
 * a folder still loading). The folder store keeps the last folder after its page is left, so the
 * route says whether it is on screen.
 */
export function useCurrentDestination(): ComputedRef<Destination | null> {
  const { t } = useI18n();
  const route = useRoute();
  const folders = useFolderStore();
  return computed(() => {
    const folder = folders.folder;
    if (!folder || (route.name !== 'home' && route.name !== 'folder')) return null;
    return { id: folder.id, name: folder.parentId === null ? t('common.home') : folder.name };
  });
}
