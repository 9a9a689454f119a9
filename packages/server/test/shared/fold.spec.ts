import { describe, expect, it } from 'vitest';
import { fileKind, fileKindRules, foldForSearch, matchRanges } from '@idrive/shared';

describe('foldForSearch', () => {
  it.each([
    ['Żółć', 'zolc'],
    ['ZAŻÓŁĆ GĘŚLĄ JAŹŃ', 'zazolc gesla jazn'],
    ['Łódź', 'lodz'],
    ['Søren Ørsted', 'soren orsted'],
    ['Đorđe', 'dorde'],
    ['Straße', 'strasse'],
    ['STRAẞE', 'strasse'],
    ['Æsir', 'aesir'],
    ['Cœur', 'coeur'],
    ['Þór', 'thor'],
    ['Ħamrun', 'hamrun'],
    ['İstanbul', 'istanbul'],
    ['ıspanak', 'ispanak'],
    ['Crème Brûlée', 'creme brulee'],
    ['naïve café', 'naive cafe'],
    ['ﬁle', 'file'],
    ['ＡＢＣ１２３', 'abc123'],
    ['Ŀlibre', 'llibre'],
    ['ΟΔΥΣΣΕΥΣ', 'οδυσσευσ'],
    ['οδυσσευς', 'οδυσσευσ'],
    ['Résumé.PDF', 'resume.pdf'],
    ['plain_name-2024.txt', 'plain_name-2024.txt'],
    ['日本語', '日本語'],
  ])('%s → %s', (input, folded) => {
    expect(foldForSearch(input)).toBe(folded);
  });

  it('folds decomposed (NFD) input the same as composed', () => {
    expect(foldForSearch('Żółć'.normalize('NFD'))).toBe('zolc');
  });

  it('folds a text the same as its code points one by one', () => {
    const text = 'Straße Żółć ﬁ İ æ ΣΑΣ';
    expect(foldForSearch(text)).toBe([...text].map(foldForSearch).join(''));
  });
});

describe('matchRanges', () => {
  const marked = (name: string, query: string) =>
    matchRanges(name, query)
      .reverse()
      .reduce((s, [a, b]) => `${s.slice(0, a)}[${s.slice(a, b)}]${s.slice(b)}`, name);

  it('maps matches back onto the original name', () => {
    expect(marked('Żółć i żółty.txt', 'zol')).toBe('[Żół]ć i [żół]ty.txt');
    expect(marked('Straße', 'ss')).toBe('Stra[ß]e');
    expect(marked('Straße', 'sse')).toBe('Stra[ße]');
    expect(marked('Æsir', 'es')).toBe('[Æs]ir');
    expect(marked('aaaa', 'aa')).toBe('[aaaa]');
    expect(marked('𝔄lpha', 'al')).toBe('[𝔄l]pha');
    expect(marked('report.pdf', 'xyz')).toBe('report.pdf');
    expect(matchRanges('anything', '')).toEqual([]);
  });
});

describe('fileKind', () => {
  it.each([
    ['image/jpeg', 'image'],
    ['video/mp4', 'video'],
    ['audio/mpeg', 'audio'],
    ['application/pdf', 'document'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document'],
    ['application/zip', 'archive'],
    ['text/plain; charset=utf-8', 'text'],
    ['application/json', 'text'],
    ['Application/PDF', 'document'],
    ['application/octet-stream', 'other'],
    [null, 'other'],
  ] as const)('%s → %s', (mime, kind) => {
    expect(fileKind(mime)).toBe(kind);
  });

  it('has rules that do not overlap and that SQL can use literally', () => {
    const all = Object.values(fileKindRules).flatMap((r) => [...r.prefixes, ...r.types]);
    expect(new Set(all).size).toBe(all.length);
    for (const rule of Object.values(fileKindRules)) {
      for (const type of rule.types) {
        const owners = Object.values(fileKindRules).filter(
          (r) => r.types.includes(type) || r.prefixes.some((p) => type.startsWith(p)),
        );
        expect(owners, type).toHaveLength(1);
      }
    }
    expect(all.filter((s) => /[%_\\']/.test(s))).toEqual([]);
  });
});
