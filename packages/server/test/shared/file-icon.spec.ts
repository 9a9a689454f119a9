import { describe, expect, it } from 'vitest';
import { fileIcon, fileIcons, fileKind } from '@idrive/shared/file-kind';

describe('fileIcon', () => {
  it.each([
    ['image/jpeg', 'image'],
    ['image/x-canon-cr3', 'raw'],
    ['image/x-nikon-nef', 'raw'],
    ['video/mp4', 'video'],
    ['audio/mpeg', 'audio'],
    ['application/pdf', 'pdf'],
    ['Application/PDF; x=y', 'pdf'],
    ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'spreadsheet'],
    ['application/vnd.oasis.opendocument.spreadsheet', 'spreadsheet'],
    ['application/vnd.ms-excel', 'spreadsheet'],
    ['text/csv; charset=utf-8', 'spreadsheet'],
    ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'presentation'],
    ['application/vnd.apple.keynote', 'presentation'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document'],
    ['application/msword', 'document'],
    ['application/zip', 'archive'],
    ['text/markdown', 'text'],
    ['application/json', 'text'],
    ['application/octet-stream', 'generic'],
    [null, 'generic'],
  ] as const)('%s → %s', (mime, icon) => {
    expect(fileIcon(mime)).toBe(icon);
  });

  it('refines the kind a filter sees, never contradicts it', () => {
    const refinements: Record<string, string[]> = {
      raw: ['image'],
      pdf: ['document'],
      spreadsheet: ['document', 'text'],
      presentation: ['document'],
      generic: ['other'],
    };
    for (const mime of [
      'image/x-sony-arw',
      'application/pdf',
      'application/vnd.ms-excel',
      'text/tab-separated-values',
      'application/vnd.ms-powerpoint',
      'application/x-unknown',
      'audio/flac',
    ]) {
      const icon = fileIcon(mime);
      expect(fileIcons).toContain(icon);
      expect(refinements[icon] ?? [icon], mime).toContain(fileKind(mime));
    }
  });
});
