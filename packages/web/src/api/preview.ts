import type { ArchiveListing, Item } from '@idrive/shared';
import { ApiError, apiUrl, failure, http } from './http';

const filePath = (id: string) => `/files/${encodeURIComponent(id)}`;

/** The file's bytes to show in the page (images, media, PDF); the server answers Range requests. */
export function contentUrl(id: string): string {
  return apiUrl(`${filePath(id)}/content`);
}

/**
 * The full-size upright JPEG the server made of a camera RAW or HEIC file (formats browsers cannot
 * draw); 404 `preview_pending` until its background job has run, `preview_unavailable` when none.
 */
export function serverPreviewUrl(id: string, attempt = 0): string {
  // A later attempt gets its own URL, so the browser asks again rather than recalling the 404.
  return apiUrl(`${filePath(id)}/preview`, attempt ? { attempt } : undefined);
}

/** A text file as the editor opens it: its text and the ETag of that version (to save over only it). */
export interface TextContent {
  text: string;
  etag: string | null;
}

/** Raised when a file's bytes are not UTF-8 text, so the editor must not open (and later mangle) them. */
export class NotTextError extends Error {
  override readonly name = 'NotTextError';
}

export async function readText(id: string, signal?: AbortSignal): Promise<TextContent> {
  let response: Response;
  try {
    response = await fetch(contentUrl(id), { signal, cache: 'no-store', credentials: 'same-origin' });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(
      0,
      'network_error',
      'Could not reach the server. Check your connection and try again.',
    );
  }
  if (!response.ok) throw failure(response.status, await response.json().catch(() => undefined));
  const etag = response.headers.get('etag');
  const bytes = await response.arrayBuffer();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NotTextError('not UTF-8');
  }
  return { text, etag };
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Saves new text over a file; it keeps its id, name and folder. With `etag` (the version the text was
 * read from) the server refuses with 412 `precondition_failed` if the file changed since; the SHA-256
 * makes it refuse a damaged body. Resolves with the updated item and the new version's ETag.
 */
export async function saveText(
  id: string,
  text: string,
  etag: string | null,
): Promise<{ item: Item; etag: string }> {
  const bytes = new TextEncoder().encode(text);
  const sha256 = await sha256Hex(bytes);
  const item = await http.put<Item>(`${filePath(id)}/content`, bytes, {
    query: { sha256 },
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...(etag ? { 'If-Match': etag } : {}) },
  });
  // The server's ETag for a version is its SHA-256, quoted.
  return { item, etag: `"${sha256}"` };
}

/** A page of a zip's entries from `offset` on (the server's page size). */
export function getArchive(id: string, offset: number, signal?: AbortSignal): Promise<ArchiveListing> {
  return http.get<ArchiveListing>(`${filePath(id)}/archive`, { query: { offset }, signal });
}

/** One entry of a zip, by its index (paths may repeat inside an archive). */
export function archiveEntryUrl(id: string, index: number, disposition: 'inline' | 'attachment'): string {
  return apiUrl(`${filePath(id)}/archive/entry`, { index, disposition });
}
