import { NAME_MAX_BYTES } from './limits.js';

/** Why a name is refused; the web app shows a message for each in the user's language. */
export type NameProblem =
  | 'empty'
  | 'tooLong'
  | 'slash'
  | 'control'
  | 'invisible'
  | 'forbiddenCharacter'
  | 'dots'
  | 'trailingDotOrSpace'
  | 'reserved';

/** Result of checking a user-supplied item name. */
export type NameCheck = { ok: true; name: string } | { ok: false; problem: NameProblem; reason: string };

// C0 and C1 control characters, plus DEL; NUL is among them.
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// Characters that show nothing or reorder what is shown: bidi marks, embeddings, overrides and
// isolates (U+200E/200F, U+202A–202E, U+2066–2069, U+061C) make `exe.txt` look like `txt.exe`;
// zero-width ones (U+200B–200D, U+2060, U+FEFF) make two names that look the same differ.
const INVISIBLE_CHARS = /[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff]/;
// Windows refuses these in a name (and takes `\` as a separator and `C:` as a drive), so a zip or
// a synced copy of the drive would fail or land elsewhere there.
const WINDOWS_FORBIDDEN = /[<>:"\\|?*]/;
// Device names Windows reserves in every folder, with any extension (`CON.txt` is the console too).
const RESERVED_NAME = /^(con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3]) *(\..*)?$/i;
const TRAILING_DOT_OR_SPACE = /[. ]$/;

const refuse = (problem: NameProblem, reason: string): NameCheck => ({ ok: false, problem, reason });

/**
 * Normalises a name to NFC and checks it: 1–255 bytes of UTF-8; no `/`, control characters,
 * invisible or direction-changing characters, or characters Windows forbids; not `.` or `..`, not
 * ending in a dot or space, and not a Windows device name. Every way a name comes in goes through
 * here, so every name the drive holds is safe to write to any disk and into a zip.
 */
export function checkName(raw: string): NameCheck {
  const name = raw.normalize('NFC');
  if (name.trim().length === 0) return refuse('empty', 'Name must not be empty or only spaces');
  if (new TextEncoder().encode(name).length > NAME_MAX_BYTES) {
    return refuse('tooLong', `Name must be at most ${NAME_MAX_BYTES} bytes of UTF-8`);
  }
  if (name.includes('/')) return refuse('slash', 'Name must not contain "/"');
  if (CONTROL_CHARS.test(name)) return refuse('control', 'Name must not contain control characters');
  if (INVISIBLE_CHARS.test(name)) {
    return refuse('invisible', 'Name must not contain invisible or text-direction characters');
  }
  if (WINDOWS_FORBIDDEN.test(name)) {
    return refuse('forbiddenCharacter', 'Name must not contain any of < > : " \\ | ? *');
  }
  if (name === '.' || name === '..') return refuse('dots', 'Name must not be "." or ".."');
  if (TRAILING_DOT_OR_SPACE.test(name))
    return refuse('trailingDotOrSpace', 'Name must not end with a dot or a space');
  if (RESERVED_NAME.test(name)) {
    return refuse(
      'reserved',
      'Name must not be a device name Windows reserves (CON, PRN, AUX, NUL, COM1–9, LPT1–9)',
    );
  }
  return { ok: true, name };
}

const UNPORTABLE_CHARS = new RegExp(
  [CONTROL_CHARS, INVISIBLE_CHARS, WINDOWS_FORBIDDEN, /\//].map((re) => re.source).join('|'),
  'g',
);

/**
 * A name `checkName` accepts, made from any stored name: names saved before the rule above may hold
 * what it now refuses, and they must still come out safe wherever the drive writes names itself
 * (zip entries). A name that already passes is returned unchanged.
 */
export function portableName(stored: string): string {
  const name = stored.normalize('NFC');
  if (checkName(name).ok) return name;
  let out = name.replace(UNPORTABLE_CHARS, '_');
  if (out === '.' || out === '..' || out.trim().length === 0) out = out.replace(/./g, '_') || '_';
  if (TRAILING_DOT_OR_SPACE.test(out)) out += '_';
  if (RESERVED_NAME.test(out)) out = `_${out}`;
  return out;
}

/** The key names are compared by: equal keys in one folder are a conflict (case-insensitive). */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * The n-th alternative for a taken name, keeping the extension: `report.pdf` → `report (2).pdf`.
 * A leading dot is part of the stem (`.env` → `.env (1)`).
 */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const hasExt = dot > 0 && dot < name.length - 1;
  let stem = hasExt ? name.slice(0, dot) : name;
  const ext = hasExt ? name.slice(dot) : '';
  const suffix = ` (${n})${ext}`;
  const encoder = new TextEncoder();
  // Shorten the stem (by whole code points) so the numbered name still fits the byte limit.
  while (stem.length > 0 && encoder.encode(stem + suffix).length > NAME_MAX_BYTES) {
    stem = Array.from(stem).slice(0, -1).join('');
  }
  return stem + suffix;
}
