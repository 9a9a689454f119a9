/**
 * Search folding: the form names are searched in, so that `zolc`, `ZOLC` and `żółć` all find
 * `Żółć.txt`. Case is dropped, compatibility forms are unified (`ﬁ` → `fi`, fullwidth → ASCII),
 * accents are stripped, and letters that Unicode does not decompose are spelled out the way people
 * type them without the accent (`ł` → `l`, `ß` → `ss`, `æ` → `ae`).
 *
 * Every code point folds on its own, so the folded form of a name is the folded forms of its code
 * points one after another; that is what lets `matchRanges` map a match back onto the original name.
 */

/** Letters NFKD leaves whole (or splits into something people would not type), folded by hand. */
const LETTERS: Readonly<Record<string, string>> = {
  ł: 'l',
  ŀ: 'l',
  ƚ: 'l',
  ø: 'o',
  œ: 'oe',
  đ: 'd',
  ð: 'd',
  ɖ: 'd',
  ħ: 'h',
  ı: 'i',
  ɨ: 'i',
  ŧ: 't',
  ŋ: 'n',
  ĸ: 'k',
  ß: 'ss',
  æ: 'ae',
  þ: 'th',
  ƀ: 'b',
  ƒ: 'f',
  ə: 'e',
  ɛ: 'e',
  // Greek final sigma: lower-casing a whole word would give ς or σ depending on position.
  ς: 'σ',
};

const COMBINING_MARK = /\p{M}/u;
const cache = new Map<string, string>();

function foldCodePoint(cp: string): string {
  const code = cp.codePointAt(0)!;
  if (code < 0x80) return code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : cp;
  const known = cache.get(cp);
  if (known !== undefined) return known;
  const lower = cp.toLowerCase();
  // Looked up before decomposing too: NFKD splits `ŀ` into `l` and a middle dot.
  let out = LETTERS[lower];
  if (out === undefined) {
    out = '';
    // Lower-case both before and after decomposing: `İ` lower-cases into `i` + a combining dot, and
    // compatibility decompositions can produce capitals (`ℌ` → `H`).
    for (const ch of lower.normalize('NFKD').toLowerCase().normalize('NFKD')) {
      if (COMBINING_MARK.test(ch)) continue;
      out += LETTERS[ch] ?? ch;
    }
  }
  cache.set(cp, out);
  return out;
}

/** The search form of a text (names, queries, tag filters). */
export function foldForSearch(text: string): string {
  let out = '';
  for (const cp of text) out += foldCodePoint(cp);
  return out;
}

/**
 * Where a query matches a name, as [start, end) UTF-16 offsets into the name, for highlighting: the
 * same folding the server searches with, so what is highlighted is what was found.
 */
export function matchRanges(name: string, query: string): Array<[number, number]> {
  const needle = foldForSearch(query);
  if (needle.length === 0) return [];
  let folded = '';
  // origin[i]: offset in `name` of the code point that produced folded[i].
  const origin: number[] = [];
  let offset = 0;
  for (const cp of name) {
    const part = foldCodePoint(cp);
    for (let i = 0; i < part.length; i++) origin.push(offset);
    folded += part;
    offset += cp.length;
  }
  const ranges: Array<[number, number]> = [];
  for (let at = folded.indexOf(needle); at !== -1; at = folded.indexOf(needle, at + needle.length)) {
    const start = origin[at]!;
    // The match ends after the whole code point that produced its last folded character.
    const lastSource = origin[at + needle.length - 1]!;
    const end = lastSource + (name.codePointAt(lastSource)! > 0xffff ? 2 : 1);
    const previous = ranges[ranges.length - 1];
    if (previous && previous[1] >= start) previous[1] = Math.max(previous[1], end);
    else ranges.push([start, end]);
  }
  return ranges;
}
