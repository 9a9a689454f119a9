import type { Item } from '@idrive/shared';
import { describe, expect, it } from 'vitest';
import { compareItems, sortedIndex } from './sort-items';

function item(name: string, extra: Partial<Item> = {}): Item {
  return {
    id: `id-${name}`,
    type: 'file',
    name,
    parentId: 'p',
    size: 0,
    mimeType: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    trashedAt: null,
    ...extra,
  };
}

describe('compareItems', () => {
  it('puts folders first whatever the order, then sorts by name ignoring case', () => {
    const list = [
      item('b.txt'),
      item('Zeta', { type: 'folder' }),
      item('A.txt'),
      item('alpha', { type: 'folder' }),
    ];
    const names = (order: 'asc' | 'desc') =>
      [...list].sort((a, b) => compareItems(a, b, { sort: 'name', order })).map((i) => i.name);
    expect(names('asc')).toEqual(['alpha', 'Zeta', 'A.txt', 'b.txt']);
    expect(names('desc')).toEqual(['Zeta', 'alpha', 'b.txt', 'A.txt']);
  });

  it('sorts by size, ties by name in the same direction', () => {
    const list = [item('c', { size: 5 }), item('a', { size: 9 }), item('b', { size: 5 })];
    const sorted = [...list].sort((a, b) => compareItems(a, b, { sort: 'size', order: 'desc' }));
    expect(sorted.map((i) => i.name)).toEqual(['a', 'c', 'b']);
  });
});

describe('sortedIndex', () => {
  it('finds where a new item goes', () => {
    const list = ['a', 'c', 'e'].map((n) => item(n));
    expect(sortedIndex(list, item('d'), { sort: 'name', order: 'asc' })).toBe(2);
    expect(sortedIndex(list, item('f'), { sort: 'name', order: 'asc' })).toBe(3);
    expect(sortedIndex([], item('f'), { sort: 'name', order: 'asc' })).toBe(0);
  });
});
