import { AppError } from '../lib/app-error.js';

/** What is wrong with a stored archive or one of its entries, as `details.reason` of a `bad_archive` error. */
export type ArchiveProblem =
  | 'not_zip'
  | 'corrupt'
  | 'too_many_entries'
  | 'unsafe_name'
  | 'overlapping'
  | 'encrypted'
  | 'unsupported_method'
  | 'size_mismatch'
  | 'crc_mismatch';

/** 422: the request was fine, the archive is not (damaged, hostile or beyond what the viewer reads). */
export function badArchive(
  reason: ArchiveProblem,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError(422, 'bad_archive', message, { reason, ...details });
}
