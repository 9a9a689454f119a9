import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  groupSelects,
  SHORTCUT_GROUPS,
  SHORTCUTS,
  shortcutLines,
  shortcutOf,
  type KeyPress,
  type ShortcutGroup,
} from './shortcuts';

function press(key: string, held: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress {
  return { key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...held };
}

const messages = (locale: string) =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../locales/${locale}/shortcuts.json`, import.meta.url)), 'utf8'),
  ) as { actions: Record<string, string>; groups: Record<string, string> };

describe('the shortcut table', () => {
  it('finds the shortcut a key press is, in its group', () => {
    expect(shortcutOf(press('/'), 'general')).toBe('search');
    expect(shortcutOf(press('Escape'), 'general')).toBe('close');
    expect(shortcutOf(press('Escape'), 'files')).toBe('clearSelection');
    expect(shortcutOf(press('s'), 'files')).toBe('star');
    expect(shortcutOf(press('i'), 'files')).toBe('details');
    expect(shortcutOf(press('F2'), 'files')).toBe('rename');
    expect(shortcutOf(press('Delete'), 'files')).toBe('trash');
    expect(shortcutOf(press('ArrowLeft'), 'preview')).toBe('previous');
    expect(shortcutOf(press('x'), 'files')).toBeNull();
    // A key of another group is not one of this group's.
    expect(shortcutOf(press('/'), 'files')).toBeNull();
  });

  it('takes Ctrl and ⌘ alike, and tells a plain letter from one with Ctrl', () => {
    expect(shortcutOf(press('a', { ctrlKey: true }), 'files')).toBe('selectAll');
    expect(shortcutOf(press('a', { metaKey: true }), 'files')).toBe('selectAll');
    expect(shortcutOf(press('a'), 'files')).toBeNull();
    expect(shortcutOf(press('s', { ctrlKey: true }), 'preview')).toBe('save');
    expect(shortcutOf(press('s', { ctrlKey: true }), 'files')).toBeNull();
    expect(shortcutOf(press('/', { ctrlKey: true }), 'general')).toBeNull();
  });

  it('reads letters whatever their case, and symbols whatever Shift it took to type them', () => {
    // Caps Lock: the same key.
    expect(shortcutOf(press('S'), 'files')).toBe('star');
    expect(shortcutOf(press('A', { ctrlKey: true }), 'files')).toBe('selectAll');
    // `?` is Shift+/ on a US keyboard; `+` is Shift+= there but a key of its own on a keypad.
    expect(shortcutOf(press('?', { shiftKey: true }), 'general')).toBe('shortcuts');
    expect(shortcutOf(press('?'), 'general')).toBe('shortcuts');
    expect(shortcutOf(press('+', { shiftKey: true }), 'preview')).toBe('zoomIn');
    expect(shortcutOf(press('='), 'preview')).toBe('zoomIn');
  });

  it('needs Shift where the table says so, and refuses it on other named keys', () => {
    expect(shortcutOf(press('F10', { shiftKey: true }), 'files')).toBe('menu');
    expect(shortcutOf(press('F10'), 'files')).toBeNull();
    expect(shortcutOf(press('ContextMenu'), 'files')).toBe('menu');
    expect(shortcutOf(press('Delete', { shiftKey: true }), 'files')).toBeNull();
    expect(shortcutOf(press('Enter', { ctrlKey: true }), 'files')).toBeNull();
  });

  it('lets Shift and Ctrl steer the selection with the moving keys and Space, never Alt', () => {
    expect(shortcutOf(press('ArrowDown', { shiftKey: true }), 'files')).toBe('down');
    expect(shortcutOf(press('End', { shiftKey: true, ctrlKey: true }), 'files')).toBe('last');
    expect(shortcutOf(press(' ', { ctrlKey: true }), 'files')).toBe('select');
    expect(shortcutOf(press('ArrowDown', { altKey: true }), 'files')).toBeNull();
    expect(shortcutOf(press('i', { altKey: true }), 'files')).toBeNull();
    expect(groupSelects('files')).toBe(true);
    expect(groupSelects('preview')).toBe(false);
  });

  it('gives no key press two meanings within a group', () => {
    for (const group of SHORTCUT_GROUPS) {
      const seen = new Map<string, string>();
      for (const shortcut of SHORTCUTS.filter((s) => s.group === group)) {
        for (const combo of shortcut.keys) {
          const key = JSON.stringify([combo.key, 'mod' in combo, 'shift' in combo]);
          expect(seen.get(key), `${group}: ${combo.key}`).toBeUndefined();
          seen.set(key, shortcut.id);
          // Each entry is found from its own keys.
          const held = { ctrlKey: 'mod' in combo, shiftKey: 'shift' in combo };
          expect(shortcutOf(press(combo.key, held), group)).toBe(shortcut.id);
        }
      }
    }
  });

  it('lists every entry once, entries sharing a description on one line, in table order', () => {
    const files = shortcutLines('files');
    expect(files.map((line) => line.label).slice(0, 5)).toEqual(['rows', 'tiles', 'ends', 'pages', 'select']);
    expect(files[0]!.keys.map((k) => k.key)).toEqual(['ArrowUp', 'ArrowDown']);
    const listed = SHORTCUT_GROUPS.flatMap((group) => shortcutLines(group).flatMap((line) => line.keys));
    expect(listed).toHaveLength(SHORTCUTS.reduce((n, s) => n + s.keys.length, 0));
  });

  it('describes every line and group in English and Polish', () => {
    for (const locale of ['en', 'pl']) {
      const { actions, groups } = messages(locale);
      for (const group of SHORTCUT_GROUPS satisfies readonly ShortcutGroup[]) {
        expect(groups[group], `${locale}: ${group}`).toBeTruthy();
        for (const line of shortcutLines(group))
          expect(actions[line.label], `${locale}: ${line.label}`).toBeTruthy();
      }
    }
  });
});
