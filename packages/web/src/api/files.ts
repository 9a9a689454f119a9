import { apiUrl } from './http';

/** A small WebP of an image or a video frame; 404 when the file has none (yet). */
export function thumbnailUrl(id: string): string {
  return apiUrl(`/files/${encodeURIComponent(id)}/thumbnail`);
}
