import { NAME_MAX_BYTES } from './limits.js';

/** Result of checking a user-supplied item name. */
export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

// C0 and C1 control characters, plus DEL; NUL is among them.
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Normalises a name to NFC and checks it: 1–255 bytes of UTF-8, no `/`, no control characters,
 * and not `.` or `..` (which would be path tricks in zips and downloads).
 */
export function checkName(raw: string): NameCheck {
  const name = raw.normalize('NFC');
  if (name.length === 0) return { ok: false, reason: 'Name must not be empty' };
  if (new TextEncoder().encode(name).length > NAME_MAX_BYTES) {
    return { ok: false, reason: `Name must be at most ${NAME_MAX_BYTES} bytes of UTF-8` };
  }
  if (name.includes('/')) return { ok: false, reason: 'Name must not contain "/"' };
  if (CONTROL_CHARS.test(name)) return { ok: false, reason: 'Name must not contain control characters' };
  if (name === '.' || name === '..') return { ok: false, reason: 'Name must not be "." or ".."' };
  if (name.trim().length === 0) return { ok: false, reason: 'Name must not be only spaces' };
  return { ok: true, name };
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
