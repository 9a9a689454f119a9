import { createI18n, type LocaleMessageDictionary, type VueMessageType } from 'vue-i18n';
import { polishPlural } from './plural';

export const LOCALES = ['en', 'pl'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * Messages live in `locales/<locale>/<area>.json`, one file per area of the app (common, browser,
 * uploads, …), and are reached as `t('<area>.<key>')`. Both locales must have the same keys; a unit
 * test holds them to it.
 */
type Messages = LocaleMessageDictionary<VueMessageType>;

const files = import.meta.glob<Messages>('../locales/*/*.json', { eager: true, import: 'default' });

export function messagesByLocale(): Record<Locale, Record<string, Messages>> {
  const messages: Record<Locale, Record<string, Messages>> = { en: {}, pl: {} };
  for (const [file, content] of Object.entries(files)) {
    const match = /locales\/(\w+)\/([\w-]+)\.json$/.exec(file);
    if (!match) continue;
    const [, locale, area] = match as unknown as [string, Locale, string];
    if (LOCALES.includes(locale)) messages[locale][area] = content;
  }
  return messages;
}

export function initialLocale(): Locale {
  const saved = localStorage.getItem('idrive.locale');
  if (saved === 'en' || saved === 'pl') return saved;
  return navigator.language.toLowerCase().startsWith('pl') ? 'pl' : 'en';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: messagesByLocale(),
  pluralRules: { pl: polishPlural },
  datetimeFormats: {
    en: {
      short: { year: 'numeric', month: 'short', day: 'numeric' },
      long: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
    },
    pl: {
      short: { year: 'numeric', month: 'short', day: 'numeric' },
      long: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
    },
  },
});
