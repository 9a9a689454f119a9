/**
 * Letters of other scripts that are drawn like a Latin letter, mapped to that letter. A hand-picked
 * subset of Unicode's confusables.txt (UTS #39, https://www.unicode.org/Public/security/latest/
 * confusables.txt) for the Cyrillic and Greek look-alikes of a–z, in both cases, because case changes
 * the look-alike (Greek `Η` looks like H, its lower case `η` like n). Each pair is a look-alike
 * followed by the Latin letter it passes for.
 */
const PAIRS = [
  // Cyrillic
  'аa Аa вb Вb ьb Ьb сc Сc ԁd еe Еe һh Һh нh Нh іi Іi јj Јj кk Кk ӏl Ӏl мm Мm оo Оo рp Рp ԛq Ԛq',
  'гr ѕs Ѕs тt Тt уy Уy үy Үy хx Хx ԝw Ԝw',
  // Greek
  'αa Αa βb Βb εe Εe Ζz ηn Ηh ιi Ιi κk Κk Μm νv Νn οo Οo ρp Ρp τt Τt υu Υy χx Χx γy ωw ϲc Ϲc ϳj',
  // Latin letters and digits drawn like others: dotless i, script l, zero beside o, one beside l.
  'ıi ɩi ℓl 0o 1l',
].join(' ');
const LOOK_ALIKES = new Map(PAIRS.split(' ').map((pair) => [pair[0]!, pair[1]!] as const));

/**
 * What a username looks like, for telling apart names that look the same: compatibility forms
 * folded (NFKC: `ａdmin` → `admin`), look-alike letters of other scripts mapped to Latin, case
 * folded, and the letter shapes lower case still confuses (`l`/`i` after `I`, `rn`/`m`, `vv`/`w`)
 * merged. Two usernames with the same skeleton would be mistaken for each other in a list.
 */
export function usernameSkeleton(username: string): string {
  const mapped = Array.from(username.normalize('NFKC'), (ch) => LOOK_ALIKES.get(ch) ?? ch).join('');
  return mapped.toLowerCase().replace(/i/g, 'l').replace(/rn/g, 'm').replace(/vv/g, 'w');
}
