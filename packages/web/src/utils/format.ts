import { shallowRef } from 'vue';

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'] as const;

/**
 * The app's chosen language (not the browser's), set by the settings store. A ref, so a template
 * that shows a date or a size re-renders when the user switches language.
 */
const appLocale = shallowRef<string | undefined>(undefined);

export function setFormatLocale(locale: string): void {
  appLocale.value = locale;
}

type Formatter = Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat;

/** Intl formatters are costly to build and a 50,000-row list formats every visible row. */
const formatters = new Map<string, Formatter>();

function cached<T extends Formatter>(key: string, make: () => T): T {
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter as T;
}

/**
 * Human-readable byte count in binary steps (1 KB = 1024 B), as most file managers show it:
 * `0 B`, `999 B`, `1.5 KB`, `12 MB`, `1.2 GB` (`1,2 GB` in Polish). One decimal below 10, none above.
 */
export function formatSize(bytes: number, locale = appLocale.value): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const number = cached(
    `size:${locale}`,
    () => new Intl.NumberFormat(locale, { maximumFractionDigits: 1, useGrouping: false }),
  );
  if (bytes < 1024) return `${number.format(Math.round(bytes))} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Rounding can push 1023.96 KB up to "1024 KB"; carry it into the next unit instead.
  let rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  if (rounded >= 1024 && unit < SIZE_UNITS.length - 1) {
    rounded = 1;
    unit += 1;
  }
  return `${number.format(rounded)} ${SIZE_UNITS[unit]}`;
}

/** A timestamp from the API (ISO 8601) in the app's language, e.g. "12 Mar 2025, 14:05" / "12 mar 2025, 14:05". */
export function formatDate(iso: string, locale = appLocale.value): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const format = cached(
    `date:${locale}`,
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }),
  );
  return format.format(date);
}

const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/**
 * How long ago (or from now) a timestamp from the API is, in its largest whole unit: "now" ("teraz")
 * under a minute, then "5 minutes ago", "yesterday", "3 weeks ago" ("3 tygodnie temu").
 */
export function formatRelative(iso: string, now = Date.now(), locale = appLocale.value): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const format = cached(`relative:${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  let value = (then - now) / 1000;
  if (Math.abs(value) < 60) return format.format(0, 'second');
  for (const [unit, per] of RELATIVE_STEPS) {
    if (Math.abs(value) < per) return format.format(Math.trunc(value), unit);
    value /= per;
  }
  return format.format(Math.trunc(value), 'year');
}

/**
 * A duration (time left of an upload) in the given locale, to the two largest units:
 * "45 sec", "3 min 20 sec", "2 hr 5 min" (Polish: "45 sek.", "3 min 20 sek.", "2 godz. 5 min").
 */
export function formatDuration(totalSeconds: number, locale = appLocale.value): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '—';
  const seconds = Math.round(totalSeconds);
  const unit = (value: number, name: 'hour' | 'minute' | 'second') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return m > 0 ? `${unit(h, 'hour')} ${unit(m, 'minute')}` : unit(h, 'hour');
  if (m > 0) return s > 0 ? `${unit(m, 'minute')} ${unit(s, 'second')}` : unit(m, 'minute');
  return unit(s, 'second');
}

/** A count with the locale's digit grouping: "50,000" in English, "50 000" in Polish. */
export function formatNumber(value: number, locale = appLocale.value): string {
  return cached(`number:${locale}`, () => new Intl.NumberFormat(locale)).format(value);
}
