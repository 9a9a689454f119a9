/**
 * Discord cleans attachment names much like werkzeug's `secure_filename` [obs]: whitespace runs
 * become `_`, characters outside [A-Za-z0-9_.-] are dropped (after folding accents to ASCII) and
 * leading `_`/`.` are trimmed. When the name changed, the original (without its extension) is kept
 * as `title`.
 */
export function cleanFilename(original: string): { filename: string; title?: string } {
  const ascii = original.normalize('NFKD').replace(/[^\x20-\x7e]/g, '');
  let cleaned = ascii
    .replace(/[/\\]/g, ' ')
    .trim()
    .split(/\s+/)
    .join('_')
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .replace(/^[._]+/, '');
  if (cleaned === '') cleaned = 'unknown';
  cleaned = cleaned.slice(0, 1024);
  if (cleaned === original) return { filename: cleaned };
  const dot = original.lastIndexOf('.');
  return { filename: cleaned, title: dot > 0 ? original.slice(0, dot) : original };
}

const TYPES: Record<string, string> = {
  bin: 'application/octet-stream',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  pdf: 'application/pdf',
  zip: 'application/zip',
};

/** The part's declared type, else one guessed from the extension (Discord sniffs; we stay simple). */
export function attachmentContentType(filename: string, declared: string | undefined): string {
  if (declared) return declared;
  const ext = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}
