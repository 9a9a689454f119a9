import { z } from 'zod';

/** Every error the API answers with has this one shape. */
export const errorCodes = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'csrf_failed',
  'forbidden',
  'not_found',
  'conflict',
  'name_conflict',
  'offset_mismatch',
  'payload_too_large',
  'range_not_satisfiable',
  'too_many_requests',
  'integrity_failed',
  'locked',
  'wrong_password',
  'password_required',
  'gone',
  'unsupported_media_type',
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
