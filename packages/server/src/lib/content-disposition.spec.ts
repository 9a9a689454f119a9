import { describe, expect, it } from 'vitest';
import { contentDisposition } from './content-disposition.js';

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('żółw.txt', 'attachment')).toBe(
      `attachment; filename="___w.txt"; filename*=UTF-8''%C5%BC%C3%B3%C5%82w.txt`,
    );
  });

  it('escapes characters that would break the header or the encoding', () => {
    const header = contentDisposition(`a "q" \\ it's (1)*%.txt`, 'inline');
    expect(header).toBe(
      `inline; filename="a _q_ _ it's (1)*_.txt"; filename*=UTF-8''a%20%22q%22%20%5C%20it%27s%20%281%29%2A%25.txt`,
    );
    expect(decodeURIComponent(header.split("UTF-8''")[1]!)).toBe(`a "q" \\ it's (1)*%.txt`);
  });
});
