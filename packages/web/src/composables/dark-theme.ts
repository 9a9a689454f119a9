import { computed, onBeforeUnmount, shallowRef, type ComputedRef } from 'vue';
import { useSettingsStore } from '../stores/settings';

/** Whether the app is showing its dark theme now: chosen, or "system" on a dark system. */
export function useDarkTheme(): ComputedRef<boolean> {
  const settings = useSettingsStore();
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const systemDark = shallowRef(query.matches);
  const onChange = (event: MediaQueryListEvent) => (systemDark.value = event.matches);
  query.addEventListener('change', onChange);
  onBeforeUnmount(() => query.removeEventListener('change', onChange));
  return computed(() => settings.theme === 'dark' || (settings.theme === 'system' && systemDark.value));
}
