import { describe, expect, it } from 'vitest';
import {
  filtersFromQuery,
  filtersToApi,
  filtersToQuery,
  sizeFromField,
  sizeToField,
  unitFor,
  type SearchFilters,
} from './search-filters';

const none: SearchFilters = filtersFromQuery({});

describe('search filters', () => {
  it('reads an empty URL as "everything, by name"', () => {
    expect(none).toEqual({
      q: '',
      what: 'any',
      minSize: null,
      maxSize: null,
      modifiedFrom: '',
      modifiedBefore: '',
      tags: [],
      in: null,
      sort: 'name',
      order: 'asc',
    });
    expect(filtersToQuery(none)).toEqual({});
  });

  it('round-trips every filter through the URL', () => {
    const f: SearchFilters = {
      q: 'beach',
      what: 'image',
      minSize: 1024,
      maxSize: 2048,
      modifiedFrom: '2025-01-01',
      modifiedBefore: '2025-02-01',
      tags: ['a', 'b'],
      in: 'folder-id',
      sort: 'size',
      order: 'desc',
    };
    const query = filtersToQuery(f) as Record<string, string>;
    expect(filtersFromQuery(query)).toEqual(f);
  });

  it('ignores what it does not understand', () => {
    const f = filtersFromQuery({
      what: 'spaceships',
      minSize: '-3',
      modifiedFrom: 'yesterday',
      sort: 'colour',
    });
    expect([f.what, f.minSize, f.modifiedFrom, f.sort]).toEqual(['any', null, '', 'name']);
  });

  it('asks the API for files of a kind, for folders, or for any file', () => {
    expect(filtersToApi({ ...none, what: 'video' }, 0, 50)).toMatchObject({ type: 'file', kind: 'video' });
    expect(filtersToApi({ ...none, what: 'folder' }, 0, 50)).toMatchObject({
      type: 'folder',
      kind: undefined,
    });
    expect(filtersToApi({ ...none, what: 'file' }, 0, 50)).toMatchObject({ type: 'file', kind: undefined });
    expect(filtersToApi({ ...none, tags: ['x', 'y'] }, 100, 50)).toMatchObject({ tags: 'x,y', offset: 100 });
  });
});

describe('size fields', () => {
  it('turns a number of units into bytes, accepting a decimal comma', () => {
    expect(sizeFromField('1,5', 'MB')).toBe(1.5 * 1024 * 1024);
    expect(sizeFromField(' ', 'KB')).toBeNull();
    expect(sizeFromField('lots', 'GB')).toBeNaN();
    expect(sizeFromField('-1', 'GB')).toBeNaN();
  });

  it('shows bytes in a unit with at most two decimals', () => {
    expect(sizeToField(1536, 'KB')).toBe('1.5');
    expect(sizeToField(1000, 'MB')).toBe('0');
    expect(sizeToField(null, 'MB')).toBe('');
  });
});

describe('unitFor', () => {
  it('picks the largest unit in which every size is at least 1', () => {
    expect(unitFor(null, null)).toBe('MB');
    expect(unitFor(3 * 1024 ** 3, null)).toBe('GB');
    expect(unitFor(2 * 1024 ** 2, 5 * 1024 ** 3)).toBe('MB');
    expect(unitFor(1000)).toBe('KB');
  });
});
