import { describe, expect, it } from 'vitest';
import { parseIf, submittedTokens } from './dav-if.js';

describe('parseIf', () => {
  it('reads untagged and tagged lists, Not, tokens and entity tags', () => {
    const lists = parseIf(
      '<http://h/dav/a> (<opaquelocktoken:1> ["etag"]) (Not <DAV:no-lock>) </dav/b> ([W/"x"])',
    );
    expect(lists).toEqual([
      {
        resource: 'http://h/dav/a',
        conditions: [
          { not: false, token: 'opaquelocktoken:1' },
          { not: false, etag: '"etag"' },
        ],
      },
      { resource: 'http://h/dav/a', conditions: [{ not: true, token: 'DAV:no-lock' }] },
      { resource: '/dav/b', conditions: [{ not: false, etag: 'W/"x"' }] },
    ]);
    expect([...submittedTokens(lists)]).toEqual(['opaquelocktoken:1']);
  });

  it.each(['', '()', '(<a>', '<x>', 'junk', '(Not)', '([etag)'])('refuses %j with 400', (header) => {
    expect(() => parseIf(header)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
