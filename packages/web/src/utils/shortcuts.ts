/**
 * Every keyboard shortcut of the app, in one table: the key handlers ask `shortcutOf` which entry a
 * key press is, and the shortcuts dialog lists the same entries, so the two cannot disagree. Keys
 * that belong to a control's own pattern (arrows in a menu, Tab in a dialog, the editor's keys) are
 * not shortcuts and stay out.
 */

/** Where a shortcut works; also the dialog's headings, in this order. */
export const SHORTCUT_GROUPS = ['general', 'files', 'preview'] as const;
export type ShortcutGroup = (typeof SHORTCUT_GROUPS)[number];

export interface KeyCombo {
  /** `KeyboardEvent.key`: a character (`s`, `?`) or a key's name (`ArrowDown`, `F2`, ` ` for Space). */
  key: string;
  /** Ctrl, or ⌘ on a Mac. */
  mod?: boolean;
  shift?: boolean;
}

export interface Shortcut {
  id: string;
  group: ShortcutGroup;
  keys: readonly KeyCombo[];
  /** Key of its description under `shortcuts.actions`; entries sharing one are listed as one line. */
  label: string;
  /**
   * Shift and Ctrl/⌘ may be held and change how the selection follows (Shift extends it, Ctrl moves
   * without selecting), as in every file manager; the dialog says so once for the group.
   */
  selecting?: true;
}

export const SHORTCUTS = [
  { id: 'search', group: 'general', keys: [{ key: '/' }], label: 'search' },
  { id: 'shortcuts', group: 'general', keys: [{ key: '?' }], label: 'shortcuts' },
  { id: 'close', group: 'general', keys: [{ key: 'Escape' }], label: 'close' },

  { id: 'up', group: 'files', keys: [{ key: 'ArrowUp' }], label: 'rows', selecting: true },
  { id: 'down', group: 'files', keys: [{ key: 'ArrowDown' }], label: 'rows', selecting: true },
  { id: 'left', group: 'files', keys: [{ key: 'ArrowLeft' }], label: 'tiles', selecting: true },
  { id: 'right', group: 'files', keys: [{ key: 'ArrowRight' }], label: 'tiles', selecting: true },
  { id: 'first', group: 'files', keys: [{ key: 'Home' }], label: 'ends', selecting: true },
  { id: 'last', group: 'files', keys: [{ key: 'End' }], label: 'ends', selecting: true },
  { id: 'pageUp', group: 'files', keys: [{ key: 'PageUp' }], label: 'pages', selecting: true },
  { id: 'pageDown', group: 'files', keys: [{ key: 'PageDown' }], label: 'pages', selecting: true },
  { id: 'select', group: 'files', keys: [{ key: ' ' }], label: 'select', selecting: true },
  { id: 'selectAll', group: 'files', keys: [{ key: 'a', mod: true }], label: 'selectAll' },
  { id: 'clearSelection', group: 'files', keys: [{ key: 'Escape' }], label: 'clearSelection' },
  { id: 'open', group: 'files', keys: [{ key: 'Enter' }], label: 'open' },
  { id: 'rename', group: 'files', keys: [{ key: 'F2' }], label: 'rename' },
  { id: 'star', group: 'files', keys: [{ key: 's' }], label: 'star' },
  { id: 'details', group: 'files', keys: [{ key: 'i' }], label: 'details' },
  { id: 'trash', group: 'files', keys: [{ key: 'Delete' }], label: 'trash' },
  {
    id: 'menu',
    group: 'files',
    keys: [{ key: 'F10', shift: true }, { key: 'ContextMenu' }],
    label: 'menu',
  },

  { id: 'previous', group: 'preview', keys: [{ key: 'ArrowLeft' }], label: 'previous' },
  { id: 'next', group: 'preview', keys: [{ key: 'ArrowRight' }], label: 'next' },
  { id: 'zoomIn', group: 'preview', keys: [{ key: '+' }, { key: '=' }], label: 'zoomIn' },
  { id: 'zoomOut', group: 'preview', keys: [{ key: '-' }], label: 'zoomOut' },
  { id: 'zoomFit', group: 'preview', keys: [{ key: '0' }], label: 'zoomFit' },
  { id: 'save', group: 'preview', keys: [{ key: 's', mod: true }], label: 'save' },
] as const satisfies readonly Shortcut[];

export type ShortcutId = (typeof SHORTCUTS)[number]['id'];

/** The parts of a key press the table looks at (a KeyboardEvent has them all). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

const LETTER = /^\p{L}$/u;

function matches(combo: KeyCombo, press: KeyPress, selecting: boolean): boolean {
  if (press.altKey) return false;
  const letter = LETTER.test(combo.key);
  // Caps Lock or Shift make a letter capital; it is still the same key.
  if ((letter ? press.key.toLowerCase() : press.key) !== combo.key) return false;
  if (selecting) return true;
  if ((press.ctrlKey || press.metaKey) !== (combo.mod ?? false)) return false;
  // A symbol (`?`, `+`) takes Shift on some keyboards and not on others: the character is what counts.
  const symbol = combo.key.length === 1 && !letter;
  return symbol || press.shiftKey === (combo.shift ?? false);
}

/** Which of the group's shortcuts this key press is, if any. */
export function shortcutOf(press: KeyPress, group: ShortcutGroup): ShortcutId | null {
  for (const shortcut of SHORTCUTS as readonly (Shortcut & { id: ShortcutId })[]) {
    if (shortcut.group !== group) continue;
    const selecting = shortcut.selecting ?? false;
    if (shortcut.keys.some((combo) => matches(combo, press, selecting))) return shortcut.id;
  }
  return null;
}

/** One line of the shortcuts dialog: a description and the key combinations that do it. */
export interface ShortcutLine {
  label: string;
  keys: KeyCombo[];
}

/** The group's shortcuts as the dialog lists them, entries sharing a description on one line. */
export function shortcutLines(group: ShortcutGroup): ShortcutLine[] {
  const lines: ShortcutLine[] = [];
  for (const shortcut of SHORTCUTS as readonly Shortcut[]) {
    if (shortcut.group !== group) continue;
    const line = lines.find((l) => l.label === shortcut.label);
    if (line) line.keys.push(...shortcut.keys);
    else lines.push({ label: shortcut.label, keys: [...shortcut.keys] });
  }
  return lines;
}

/** Whether any shortcut of the group takes Shift and Ctrl/⌘ to steer the selection. */
export function groupSelects(group: ShortcutGroup): boolean {
  return (SHORTCUTS as readonly Shortcut[]).some((s) => s.group === group && s.selecting);
}
