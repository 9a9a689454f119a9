import type { DriveSettings, DriveSettingsBody, Usage } from '@idrive/shared';
import { http } from './http';

/** The signed-in user's storage: used, quota, free, and where the bytes are. */
export function getUsage(): Promise<Usage> {
  return http.get<Usage>('/usage');
}

/** The drive's settings (admin): the quota new accounts start with. */
export function getDriveSettings(): Promise<DriveSettings> {
  return http.get<DriveSettings>('/admin/settings');
}

export function updateDriveSettings(body: DriveSettingsBody): Promise<DriveSettings> {
  return http.patch<DriveSettings>('/admin/settings', body);
}
