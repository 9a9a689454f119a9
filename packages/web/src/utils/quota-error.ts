import type { QuotaExceededDetails } from '@idrive/shared';

/** The sizes a 507 `quota_exceeded` carries in its details, or null when they are not there. */
export function quotaDetails(details: unknown): QuotaExceededDetails | null {
  if (typeof details !== 'object' || details === null) return null;
  const { requestedBytes, quotaBytes, freeBytes } = details as Record<string, unknown>;
  if (typeof requestedBytes !== 'number' || typeof quotaBytes !== 'number' || typeof freeBytes !== 'number') {
    return null;
  }
  return { requestedBytes, quotaBytes, freeBytes };
}
