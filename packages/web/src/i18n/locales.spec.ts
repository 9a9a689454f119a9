import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { polishPlural } from './plural';

const dir = fileURLToPath(new URL('../locales', import.meta.url));

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('messages', () => {
  it('English and Polish have the same areas and the same keys', () => {
    const areas = (locale: string) => readdirSync(`${dir}/${locale}`).sort();
    expect(areas('pl')).toEqual(areas('en'));
    for (const area of areas('en')) {
      const read = (locale: string) =>
        JSON.parse(readFileSync(`${dir}/${locale}/${area}`, 'utf8')) as unknown;
      expect(keys(read('pl')).sort(), area).toEqual(keys(read('en')).sort());
    }
  });

  it('picks the Polish plural form: 1 plik, 2 pliki, 5 plików, 22 pliki, 112 plików', () => {
    const forms = ['zero', 'plik', 'pliki', 'plików'];
    const pick = (n: number) => forms[polishPlural(n, 4)];
    expect([0, 1, 2, 4, 5, 12, 14, 21, 22, 25, 112, 1004].map(pick)).toEqual([
      'zero',
      'plik',
      'pliki',
      'pliki',
      'plików',
      'plików',
      'plików',
      'plików',
      'pliki',
      'plików',
      'plików',
      'pliki',
    ]);
  });
});
