import { describe, expect, it } from 'vitest';
import { folderPath } from './location';

describe('folderPath', () => {
  it('gives the root its own path and encodes ids', () => {
    expect(folderPath(null)).toBe('/');
    expect(folderPath('1c0a5a1e-0000-4000-8000-000000000000')).toBe(
      '/folders/1c0a5a1e-0000-4000-8000-000000000000',
    );
    expect(folderPath('a/b')).toBe('/folders/a%2Fb');
  });
});
