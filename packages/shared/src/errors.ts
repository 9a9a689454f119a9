import { z } from 'zod';

/** Every error the API answers with has this one shape. */
export const errorCodes = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'csrf_failed',
  'forbidden',
  /** A read-only app password was sent on a request that changes something. */
  'read_only',
  'not_found',
  'conflict',
  'name_conflict',
  'offset_mismatch',
  /** Another request (perhaps on another instance) is writing to this resumable upload; retry shortly. */
  'upload_busy',
  'payload_too_large',
  /** 507: the write would take the owner's storage past their quota; nothing was stored. */
  'quota_exceeded',
  'range_not_satisfiable',
  /** If-Match named a version of the file that is no longer the current one. */
  'precondition_failed',
  'too_many_requests',
  'integrity_failed',
  'locked',
  'wrong_password',
  'password_required',
  'gone',
  /** No thumbnail yet: the file's media job has not run. */
  'thumbnail_pending',
  /** No thumbnail, and none is coming (not an image or video, unreadable, or posters turned off). */
  'thumbnail_unavailable',
  /** The same for the full-size preview of a RAW or HEIC file (GET /files/{id}/preview). */
  'preview_pending',
  'preview_unavailable',
  'unsupported_media_type',
  /** WebDAV: the method does not apply to what is at the URL (MKCOL where something exists, PUT on a collection). */
  'method_not_allowed',
  /** A stored zip the archive viewer cannot or will not read (corrupt, hostile, encrypted). */
  'bad_archive',
  /** The request named a host this drive does not answer to (DNS rebinding, or a missing setting). */
  'untrusted_host',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorEnvelope = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelope>;
