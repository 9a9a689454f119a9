import type { Item } from '@idrive/shared';
import { fileKind, mimeEssence, toolPreviewOf } from '@idrive/shared/file-kind';

/** Which viewer the preview overlay shows for a file. */
export type PreviewKind = 'image' | 'video' | 'audio' | 'pdf' | 'text' | 'archive' | 'other';

/** Text larger than this opens as the fallback: CodeMirror stays quick and the tab's memory small. */
export const TEXT_PREVIEW_MAX = 5 * 1024 * 1024;

/** Image types every current browser draws in an <img>; TIFF, HEIC, RAW and the like do not. */
const BROWSER_IMAGES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/svg+xml',
  'image/bmp',
  'image/x-icon',
  'image/vnd.microsoft.icon',
]);

/** Archives the server's archive reader lists (zip and the formats built on it). */
const ZIP_TYPES = new Set(['application/zip', 'application/x-zip-compressed', 'application/java-archive']);

/**
 * Source and config files often arrive with a generic or wrong MIME type (no type for `.vue`,
 * MPEG transport stream for `.ts`); their extension says they are text.
 */
const TEXT_EXTENSIONS = new Set(
  (
    'ts mts cts tsx jsx mjs cjs vue svelte astro py rb go rs java kt kts scala c h cc cpp hpp cs ' +
    'swift dart php pl lua r sh bash zsh fish ps1 bat sql yaml yml toml ini cfg conf env properties ' +
    'md markdown rst adoc txt log csv tsv json jsonc json5 xml html htm css scss sass less gradle ' +
    'dockerfile makefile gitignore gitattributes editorconfig lock diff patch tex'
  ).split(' '),
);

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot === -1 ? name : name.slice(dot + 1)).toLowerCase();
}

export function previewKind(item: Pick<Item, 'name' | 'mimeType'>): PreviewKind {
  const essence = mimeEssence(item.mimeType ?? '');
  if (essence === 'application/pdf') return 'pdf';
  if (ZIP_TYPES.has(essence)) return 'archive';
  const kind = fileKind(item.mimeType);
  if (kind === 'text') return 'text';
  if (TEXT_EXTENSIONS.has(extension(item.name)) && (kind === 'other' || essence === 'video/mp2t')) {
    return 'text';
  }
  // Camera RAW and HEIC are shown through the JPEG preview the server makes of them.
  if (kind === 'image') return BROWSER_IMAGES.has(essence) || toolPreviewOf(essence) ? 'image' : 'other';
  if (kind === 'video' || kind === 'audio') return kind;
  return 'other';
}
