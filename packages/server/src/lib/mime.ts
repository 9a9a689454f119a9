import { lookup } from 'mime-types';

const GENERIC = new Set([
  '',
  'application/octet-stream',
  'binary/octet-stream',
  'application/x-www-form-urlencoded',
]);

/**
 * The type a file is stored with: what the uploader said, unless that is a generic type, in which
 * case the extension decides. Parameters such as charset are kept.
 */
export function resolveMimeType(name: string, declared: string | undefined | null): string {
  const given = (declared ?? '').trim().toLowerCase();
  if (!GENERIC.has(given.split(';')[0]!.trim()) && /^[\w.+-]+\/[\w.+-]+/.test(given)) return given;
  return lookup(name) || 'application/octet-stream';
}
