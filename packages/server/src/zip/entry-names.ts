import type { ArchiveUnsafeReason } from '@idrive/shared';

// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Why extracting an entry under this path could write outside the folder it is extracted into (or
 * confuse the tools that would), or null when it is a plain relative path.
 */
export function unsafePathReason(path: string): ArchiveUnsafeReason | null {
  if (path.length === 0) return 'empty_name';
  if (CONTROL_CHARS.test(path)) return 'control_character';
  // Windows takes a backslash as a separator: `a\..\..\evil` climbs out there.
  if (path.includes('\\')) return 'backslash';
  if (path.startsWith('/')) return 'absolute_path';
  if (/^[a-zA-Z]:/.test(path)) return 'drive_letter';
  if (path.split('/').includes('..')) return 'parent_reference';
  return null;
}
