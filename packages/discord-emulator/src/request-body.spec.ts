import { describe, expect, it } from 'vitest';
import { attachmentContentType, cleanFilename } from './filenames.js';
import { parseMultipartBody, readBody } from './request-body.js';
import { multipart } from './test-support.js';

describe('parseMultipartBody', () => {
  it('reads payload_json, plain fields and files[n] without copying file bytes', () => {
    const { payload, headers } = multipart([
      { name: 'payload_json', data: '{"content":"hi","attachments":[{"id":0}]}' },
      { name: 'username', data: 'bob' },
      {
        name: 'files[3]',
        filename: 'a \\"q\\".bin',
        contentType: 'image/png',
        data: Buffer.from([0, 13, 10, 45]),
      },
      { name: 'file', filename: 'b.bin', data: 'B' },
    ]);
    const parsed = parseMultipartBody(payload, headers['content-type']!);
    expect(parsed.payload).toEqual({ content: 'hi', attachments: [{ id: 0 }], username: 'bob' });
    expect(parsed.files.map((f) => [f.index, f.filename, f.contentType])).toEqual([
      [3, 'a "q".bin', 'image/png'],
      [4, 'b.bin', undefined],
    ]);
    expect([...parsed.files[0]!.data]).toEqual([0, 13, 10, 45]);
    expect(parsed.files[0]!.data.buffer).toBe(payload.buffer);
  });

  it('refuses a body without its boundary or with bad payload_json', () => {
    expect(() => parseMultipartBody(Buffer.from('x'), 'multipart/form-data')).toThrow();
    const { payload, headers } = multipart([{ name: 'payload_json', data: '{' }]);
    expect(() => parseMultipartBody(payload, headers['content-type']!)).toThrow('invalid JSON');
  });
});

describe('readBody', () => {
  it('drains but refuses a body over the limit', async () => {
    async function* chunks() {
      yield Buffer.alloc(6);
      yield Buffer.alloc(6);
    }
    let seen = 0;
    await expect(readBody(chunks(), 10, (n) => (seen = n))).rejects.toMatchObject({
      status: 413,
      code: 40005,
    });
    expect(seen).toBe(12);
  });
});

describe('cleanFilename', () => {
  it('cleans like secure_filename and keeps the original as title', () => {
    expect(cleanFilename('c000123.bin')).toEqual({ filename: 'c000123.bin' });
    expect(cleanFilename('my photo.jpg')).toEqual({ filename: 'my_photo.jpg', title: 'my photo' });
    expect(cleanFilename('_hidden.bin').filename).toBe('hidden.bin');
    expect(cleanFilename('żółw.txt').filename).toBe('zow.txt');
    expect(cleanFilename('../../etc/passwd').filename).toBe('etc_passwd');
    expect(cleanFilename('日本').filename).toBe('unknown');
  });

  it('guesses a content type from the extension when none was sent', () => {
    expect(attachmentContentType('a.bin', undefined)).toBe('application/octet-stream');
    expect(attachmentContentType('a.png', undefined)).toBe('image/png');
    expect(attachmentContentType('a.png', 'text/plain')).toBe('text/plain');
  });
});
