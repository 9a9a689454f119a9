import type { ArchiveEntry } from '@idrive/shared';
import { describe, expect, it } from 'vitest';
import { archiveRows, archiveTrail } from './archive-tree';

let index = 0;
function entry(path: string, directory = path.endsWith('/')): ArchiveEntry {
  return {
    index: index++,
    path,
    directory,
    size: 1,
    compressedSize: 1,
    method: 'deflate',
    methodId: 8,
    modifiedAt: null,
    encrypted: false,
    safe: true,
  };
}

const entries = [
  entry('readme.md'),
  entry('src/'),
  entry('src/main.ts'),
  entry('src/lib/util.ts'),
  // No entry of its own for "docs/": it still shows as a directory.
  entry('docs/guide/intro.md'),
  entry('a.txt'),
];

const names = (dir: string) => archiveRows(entries, dir).map((row) => `${row.kind}:${row.name}`);

describe('archiveRows', () => {
  it('lists the top level: directories first, listed or implied, then files', () => {
    expect(names('')).toEqual(['directory:docs', 'directory:src', 'file:a.txt', 'file:readme.md']);
  });

  it('lists a directory without its own entry or its deeper files', () => {
    expect(names('src/')).toEqual(['directory:lib', 'file:main.ts']);
    expect(names('docs/')).toEqual(['directory:guide']);
    expect(names('docs/guide/')).toEqual(['file:intro.md']);
  });

  it('gives each directory row the path to open', () => {
    const [docs] = archiveRows(entries, '');
    expect(docs).toEqual({ kind: 'directory', name: 'docs', path: 'docs/' });
  });
});

describe('archiveTrail', () => {
  it('leads from the top down to the directory', () => {
    expect(archiveTrail('')).toEqual([]);
    expect(archiveTrail('a/b/')).toEqual([
      { name: 'a', path: 'a/' },
      { name: 'b', path: 'a/b/' },
    ]);
  });
});
