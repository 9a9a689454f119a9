import { apiUrl } from './http';

/** A plain link that downloads the file (the session cookie authenticates it). */
export function downloadUrl(id: string): string {
  return apiUrl(`/files/${encodeURIComponent(id)}/content`, { disposition: 'attachment' });
}

/** A small WebP of an image or a video frame; 404 when the file has none (yet). */
export function thumbnailUrl(id: string): string {
  return apiUrl(`/files/${encodeURIComponent(id)}/thumbnail`);
}
