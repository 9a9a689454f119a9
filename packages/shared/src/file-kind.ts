/** Coarse kinds of file, from the MIME type: what a person filters by ("images", "documents"). */
export const fileKinds = ['image', 'video', 'audio', 'document', 'archive', 'text', 'other'] as const;
export type FileKind = (typeof fileKinds)[number];

/**
 * What makes a MIME type (without parameters) one kind: a top-level type prefix, or one of the listed
 * types. The kinds do not overlap, so the server can filter each with a plain SQL condition and
 * `other` is simply "none of them".
 */
export const fileKindRules: Readonly<
  Record<Exclude<FileKind, 'other'>, { prefixes: string[]; types: string[] }>
> = {
  image: { prefixes: ['image/'], types: [] },
  video: { prefixes: ['video/'], types: [] },
  audio: { prefixes: ['audio/'], types: [] },
  document: {
    prefixes: ['application/vnd.openxmlformats-officedocument.', 'application/vnd.oasis.opendocument.'],
    types: [
      'application/pdf',
      'application/msword',
      'application/rtf',
      'application/vnd.ms-excel',
      'application/vnd.ms-powerpoint',
      'application/epub+zip',
      'application/vnd.apple.pages',
      'application/vnd.apple.numbers',
      'application/vnd.apple.keynote',
    ],
  },
  archive: {
    prefixes: [],
    types: [
      'application/zip',
      'application/x-zip-compressed',
      'application/gzip',
      'application/x-gzip',
      'application/x-tar',
      'application/x-7z-compressed',
      'application/x-rar-compressed',
      'application/vnd.rar',
      'application/x-bzip',
      'application/x-bzip2',
      'application/x-xz',
      'application/zstd',
      'application/java-archive',
      'application/vnd.ms-cab-compressed',
      'application/x-iso9660-image',
    ],
  },
  text: {
    prefixes: ['text/'],
    types: [
      'application/json',
      'application/ld+json',
      'application/xml',
      'application/javascript',
      'application/x-sh',
      'application/yaml',
      'application/x-yaml',
      'application/toml',
      'application/sql',
    ],
  },
};

/** The MIME type without parameters, lower case: `Text/Plain; charset=utf-8` → `text/plain`. */
export function mimeEssence(mimeType: string): string {
  return mimeType.split(';')[0]!.trim().toLowerCase();
}

export function fileKind(mimeType: string | null): FileKind {
  const essence = mimeEssence(mimeType ?? '');
  for (const kind of fileKinds) {
    if (kind === 'other') break;
    const rule = fileKindRules[kind];
    if (rule.types.includes(essence) || rule.prefixes.some((p) => essence.startsWith(p))) return kind;
  }
  return 'other';
}

/**
 * Camera RAW types, by the names content sniffing (file-type) gives them. The server shows them
 * through the JPEG preview the camera embedded, since no browser (and not sharp) decodes RAW.
 */
export const cameraRawTypes: Readonly<Record<string, string>> = {
  cr2: 'image/x-canon-cr2',
  cr3: 'image/x-canon-cr3',
  nef: 'image/x-nikon-nef',
  arw: 'image/x-sony-arw',
  dng: 'image/x-adobe-dng',
  raf: 'image/x-fujifilm-raf',
  orf: 'image/x-olympus-orf',
  rw2: 'image/x-panasonic-rw2',
  pef: 'image/x-pentax-pef',
  x3f: 'image/x-sigma-x3f',
};

/** HEIF images (phones' HEIC among them): HEVC inside, which browsers other than Safari cannot draw. */
export const heifTypes: readonly string[] = [
  'image/heic',
  'image/heif',
  'image/heic-sequence',
  'image/heif-sequence',
];

const rawTypeSet = new Set(Object.values(cameraRawTypes));

/**
 * Images the server decodes with an external tool into a full-size preview of its own
 * (`GET /files/{id}/preview`): camera RAW and HEIF. Null for everything else.
 */
export function toolPreviewOf(mimeType: string | null): 'raw' | 'heif' | null {
  const essence = mimeEssence(mimeType ?? '');
  if (rawTypeSet.has(essence)) return 'raw';
  return heifTypes.includes(essence) ? 'heif' : null;
}

/**
 * What a file's icon shows: finer than its kind, since a PDF, a spreadsheet and a slide deck are all
 * documents to a filter but look different in a list, and a RAW photo is an image a browser cannot draw.
 */
export const fileIcons = [
  'image',
  'raw',
  'video',
  'audio',
  'pdf',
  'spreadsheet',
  'presentation',
  'document',
  'archive',
  'text',
  'generic',
] as const;
export type FileIcon = (typeof fileIcons)[number];

/** Office, OpenDocument and Apple types, and the plain-text tables spreadsheets open. */
const iconRules: Readonly<Record<'spreadsheet' | 'presentation', { prefixes: string[]; types: string[] }>> = {
  spreadsheet: {
    prefixes: [
      'application/vnd.openxmlformats-officedocument.spreadsheetml.',
      'application/vnd.oasis.opendocument.spreadsheet',
    ],
    types: [
      'application/vnd.ms-excel',
      'application/vnd.apple.numbers',
      'text/csv',
      'text/tab-separated-values',
    ],
  },
  presentation: {
    prefixes: [
      'application/vnd.openxmlformats-officedocument.presentationml.',
      'application/vnd.oasis.opendocument.presentation',
    ],
    types: ['application/vnd.ms-powerpoint', 'application/vnd.apple.keynote'],
  },
};

export function fileIcon(mimeType: string | null): FileIcon {
  const essence = mimeEssence(mimeType ?? '');
  if (rawTypeSet.has(essence)) return 'raw';
  if (essence === 'application/pdf') return 'pdf';
  for (const icon of ['spreadsheet', 'presentation'] as const) {
    const rule = iconRules[icon];
    if (rule.types.includes(essence) || rule.prefixes.some((p) => essence.startsWith(p))) return icon;
  }
  const kind = fileKind(mimeType);
  return kind === 'other' ? 'generic' : kind;
}
