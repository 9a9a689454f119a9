import type { Share } from '@idrive/shared';

/** Whether a link still works, and if not, why. */
export type ShareStatus = 'active' | 'revoked' | 'suspended' | 'expired' | 'used-up';

export function shareStatus(share: Share, now = Date.now()): ShareStatus {
  if (share.revokedAt !== null) return 'revoked';
  if (share.suspended) return 'suspended';
  if (share.expiresAt !== null && Date.parse(share.expiresAt) <= now) return 'expired';
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) return 'used-up';
  return 'active';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An API timestamp as the value of an `<input type="datetime-local">` (local time, minutes). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of an `<input type="datetime-local">` (local time) as an API timestamp; null when blank or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
