import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
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

  // The stylesheet keys its colours off data-theme; "system" follows prefers-color-scheme.
  watch(
    theme,
    (value) => {
      document.documentElement.dataset.theme = value;
      localStorage.setItem(THEME_KEY, value);
    },
    { immediate: true },
  );
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

  return { theme, locale };
});
