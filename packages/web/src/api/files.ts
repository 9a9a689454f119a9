import { apiUrl } from './http';

/** A plain link that downloads the file (the session cookie authenticates it). */
export function downloadUrl(id: string): string {
  return apiUrl(`/files/${encodeURIComponent(id)}/content`, { disposition: 'attachment' });
}
