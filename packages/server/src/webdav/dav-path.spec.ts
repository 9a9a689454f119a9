import { describe, expect, it } from 'vitest';
import { coversPath, davHref, parseDavPath, parseDestination, pathKey } from './dav-path.js';

describe('WebDAV paths', () => {
  it('decodes each segment after splitting, to NFC, leaving out empty ones', () => {
    expect(parseDavPath('/dav/a%20b//Cafe%CC%81/?x=1').segments).toEqual(['a b', 'Café']);
    expect(parseDavPath('/dav').segments).toEqual([]);
  });

  it.each([
    '/dav/..',
    '/dav/a/%2E%2E/b',
    '/dav/./a',
    '/dav/a%2Fb',
    '/dav/a%00',
    '/dav/%1f',
    '/dav/%E0%A4',
    '/api/x',
    '/dav/a#b',
  ])('refuses %s with 400', (url) => {
    expect(() => parseDavPath(url)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('takes a Destination as a path or as a URL on this host, and 502 for another server', () => {
    expect(parseDestination('/dav/x%20y', 'h:8080').segments).toEqual(['x y']);
    expect(parseDestination('http://h:8080/dav/x', 'h:8080').segments).toEqual(['x']);
    expect(parseDestination('http://h/dav/x', 'h:80').segments).toEqual(['x']);
    expect(() => parseDestination('http://other/dav/x', 'h')).toThrow(
      expect.objectContaining({ status: 502 }),
    );
    expect(() => parseDestination('http://h/api/x', 'h')).toThrow(expect.objectContaining({ status: 502 }));
    expect(() => parseDestination('::', 'h')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseDestination(undefined, 'h')).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('encodes hrefs, with a slash after collections', () => {
    expect(davHref(['a b', 'é#?'], true)).toBe('/dav/a%20b/%C3%A9%23%3F/');
    expect(davHref([], true)).toBe('/dav/');
  });

  it('folds lock paths like names, and knows what a lock covers', () => {
    expect(pathKey(['Docs', 'Cafe\u0301'])).toBe('docs/caf\u00e9');
    expect(coversPath('a', 'a/b')).toBe(true);
    expect(coversPath('a', 'ab')).toBe(false);
    expect(coversPath('', 'x')).toBe(true);
  });
});
