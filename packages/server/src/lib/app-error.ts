import type { ErrorCode } from '@idrive/shared';

/**
 * An error the API reports to the caller as-is: an HTTP status, a stable code and a message a person
 * can act on. Anything else that escapes a handler is logged and reported as a bare 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new AppError(400, 'bad_request', message, details);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const conflict = (message: string, details?: unknown) =>
  new AppError(409, 'conflict', message, details);
export const nameConflict = (name: string) =>
  new AppError(409, 'name_conflict', `An item named "${name}" already exists in this folder`, { name });
