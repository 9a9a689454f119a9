import { describe, expect, it } from 'vitest';
import { folderHref, folderIdFromHash } from './location';

describe('folder location hash', () => {
  const id = '0b8e2a3c-5d7f-4e21-9a6b-3c4d5e6f7a8b';

  it('round-trips a folder id', () => {
    expect(folderIdFromHash(folderHref(id))).toBe(id);
  });

  it('treats the root and anything unknown as the root', () => {
    expect(folderHref(null)).toBe('#/');
    expect(folderIdFromHash('#/')).toBeNull();
    expect(folderIdFromHash('')).toBeNull();
    expect(folderIdFromHash('#main')).toBeNull();
    expect(folderIdFromHash('#/folders/%E0%A4%A')).toBeNull();
  });
});
