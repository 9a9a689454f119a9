import { describe, expect, it } from 'vitest';
import { SMALL_FILE_MAX, baseName, directoryOf, isSmall, splitBatches } from './plan';

const sized = (...sizes: number[]) => sizes.map((size, i) => ({ id: i, size }));
const ids = (batches: { id: number }[][]) => batches.map((batch) => batch.map((file) => file.id));

describe('splitting small files into batch requests', () => {
  it('closes a batch at the file limit and at the byte limit, keeping the order', () => {
    expect(ids(splitBatches(sized(1, 1, 1, 1, 1), { maxFiles: 2, maxBytes: 100 }))).toEqual([
      [0, 1],
      [2, 3],
      [4],
    ]);
    expect(ids(splitBatches(sized(40, 40, 30, 10, 90), { maxFiles: 10, maxBytes: 100 }))).toEqual([
      [0, 1],
      [2, 3],
      [4],
    ]);
  });

  it('sends a file bigger than the byte limit alone, and nothing for no files', () => {
    expect(ids(splitBatches(sized(10, 500, 10), { maxFiles: 10, maxBytes: 100 }))).toEqual([[0], [1], [2]]);
    expect(splitBatches([], { maxFiles: 10, maxBytes: 100 })).toEqual([]);
  });

  it('batches files up to the server’s packed-file limit, and no bigger', () => {
    expect(isSmall(0)).toBe(true);
    expect(isSmall(SMALL_FILE_MAX)).toBe(true);
    expect(isSmall(SMALL_FILE_MAX + 1)).toBe(false);
  });
});

describe('relative paths', () => {
  it('splits a path into its folder and its name', () => {
    expect(directoryOf('a/b/c.txt')).toBe('a/b');
    expect(directoryOf('c.txt')).toBe('');
    expect(baseName('a/b/c.txt')).toBe('c.txt');
    expect(baseName('c.txt')).toBe('c.txt');
  });
});
