import type { DriveSettings, DriveSettingsBody } from '@idrive/shared';
import type { Repositories } from '../repositories/repositories.js';

/** The drive's settings an admin changes while it runs (what needs a restart is configuration). */
export class SettingsService {
  constructor(private readonly repos: Repositories) {}

  async get(): Promise<DriveSettings> {
    const row = await this.repos.settings.get();
    return { defaultQuotaBytes: row.default_quota_bytes };
  }

  async update(body: DriveSettingsBody): Promise<DriveSettings> {
    await this.repos.settings.update({ default_quota_bytes: body.defaultQuotaBytes });
    return this.get();
  }
}
