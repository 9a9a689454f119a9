import { describe, expect, it } from 'vitest';
import { contentTypeHeader, resolveMimeType } from './mime.js';

describe('resolveMimeType', () => {
  it('lets a specific extension win over what the client declared', () => {
    expect(resolveMimeType('clip.mp4', 'text/html')).toBe('video/mp4');
  });

  it('keeps a well-formed declared type when the name says nothing specific', () => {
    expect(resolveMimeType('tus.bin', 'video/mp4')).toBe('video/mp4');
    expect(resolveMimeType('README', 'Text/Plain; charset=UTF-8')).toBe('text/plain; charset=utf-8');
  });

  it('falls back to octet-stream for a malformed or generic declared type', () => {
    expect(resolveMimeType('blob', 'text/plain\r\nset-cookie: a=b')).toBe('application/octet-stream');
    expect(resolveMimeType('blob', 'text/html; evil=1')).toBe('application/octet-stream');
    expect(resolveMimeType('blob', 'binary/octet-stream')).toBe('application/octet-stream');
    expect(resolveMimeType('blob', undefined)).toBe('application/octet-stream');
  });
});

describe('contentTypeHeader', () => {
  it('sends only a type Node will write', () => {
    expect(contentTypeHeader('image/png')).toBe('image/png');
    expect(contentTypeHeader('image/png\u0007')).toBe('application/octet-stream');
    expect(contentTypeHeader(null)).toBe('application/octet-stream');
  });
});
