import { describe, expect, it } from 'vitest';
import { previewKind } from './preview-kind';

const kind = (name: string, mimeType: string | null) => previewKind({ name, mimeType });

describe('previewKind', () => {
  it('picks the viewer from the MIME type', () => {
    expect(kind('a.jpg', 'image/jpeg')).toBe('image');
    expect(kind('a.webm', 'video/webm')).toBe('video');
    expect(kind('a.ogg', 'audio/ogg')).toBe('audio');
    expect(kind('a.pdf', 'application/pdf')).toBe('pdf');
    expect(kind('a.zip', 'application/zip')).toBe('archive');
    expect(kind('a.txt', 'text/plain; charset=utf-8')).toBe('text');
    expect(kind('a.json', 'application/json')).toBe('text');
  });

  it('treats source files with a generic or misleading type as text', () => {
    expect(kind('App.vue', 'application/octet-stream')).toBe('text');
    expect(kind('main.ts', 'video/mp2t')).toBe('text');
    expect(kind('Dockerfile', null)).toBe('text');
  });

  it("shows camera RAW and HEIC in the image viewer, through the server's preview", () => {
    expect(kind('IMG_0001.CR3', 'image/x-canon-cr3')).toBe('image');
    expect(kind('DSC_0001.NEF', 'image/x-nikon-nef')).toBe('image');
    expect(kind('photo.heic', 'image/heic')).toBe('image');
  });

  it('falls back for what a browser cannot show', () => {
    expect(kind('scan.tiff', 'image/tiff')).toBe('other');
    expect(kind('a.tar.gz', 'application/gzip')).toBe('other');
    expect(kind('data.bin', 'application/octet-stream')).toBe('other');
    expect(kind('clip.mp4', 'video/mp4')).toBe('video');
  });
});
