import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { i18n, type Locale } from '../i18n';
import { setFormatLocale } from '../utils/format';

export type Theme = 'light' | 'dark' | 'system';

const THEME_KEY = 'idrive.theme';
const LOCALE_KEY = 'idrive.locale';

function savedTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

/** Choices remembered in this browser: theme and language. */
export const useSettingsStore = defineStore('settings', () => {
  const theme = ref<Theme>(savedTheme());
  const locale = ref<Locale>(i18n.global.locale.value);

  // "system" follows the system's preference, also when it changes while the app is open.
  const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
  const systemIsDark = shallowRef(systemDark.matches);
  systemDark.addEventListener('change', (event) => (systemIsDark.value = event.matches));
  /** Whether the dark theme is showing now: chosen, or "system" on a dark system. */
  const dark = computed(() => theme.value === 'dark' || (theme.value === 'system' && systemIsDark.value));

  watch(theme, (value) => localStorage.setItem(THEME_KEY, value));
  // The stylesheet keys its colours off data-theme, which is always the theme being shown.
  watch(dark, (value) => (document.documentElement.dataset.theme = value ? 'dark' : 'light'), {
    immediate: true,
  });
  watch(
    locale,
    (value) => {
      i18n.global.locale.value = value;
      setFormatLocale(value);
      document.documentElement.lang = value;
      localStorage.setItem(LOCALE_KEY, value);
    },
    { immediate: true },
  );

  return { theme, dark, locale };
});
