import { z } from 'zod';
import { contentQuery } from './items.js';
import { zipQuery } from './zip.js';

/**
 * Names a download the page follows: `?download=<id>` on a file's content or a zip makes the server
 * report how the response is going on the live events socket, and lets the user cancel it. The page
 * makes it up (random); it means something only to the user who started the download.
 */
export const downloadId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,43}$/, 'A download id is 16 to 43 letters, digits, "-" or "_"');
export type DownloadId = z.infer<typeof downloadId>;

export const downloadQuery = z.object({ download: downloadId.optional() });

/** `GET /files/:id/content`. */
export const fileContentQuery = contentQuery.extend(downloadQuery.shape);

/** `GET /zip?ids=a,b,c`, followed or not. */
export const zipDownloadQuery = zipQuery.extend(downloadQuery.shape);

/** `POST /downloads/:id/cancel`. */
export const downloadParams = z.object({ id: downloadId });

/** What a download is: one file's bytes, or a zip made on the fly. */
export const downloadKinds = ['file', 'zip'] as const;
export type DownloadKind = (typeof downloadKinds)[number];

/**
 * `preparing`: the request arrived and a zip is being planned (name and total come next);
 * `sending`: bytes are going out; then one of the ends.
 */
export const downloadStates = ['preparing', 'sending', 'done', 'failed', 'cancelled'] as const;
export type DownloadState = (typeof downloadStates)[number];
