import type { Db, Tx } from '../db/database.js';
import type { DiscordCredentialRow } from '../db/schema.js';

export class DiscordCredentialRepository {
  constructor(private readonly db: Db | Tx) {}

  list(): Promise<DiscordCredentialRow[]> {
    return this.db
      .selectFrom('discord_credentials')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async insertMany(rows: DiscordCredentialRow[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('discord_credentials').values(rows).execute();
  }

  /** Takes a credential out of use with the reason (or, with null, puts it back). */
  async setQuarantine(id: string, quarantine: { reason: string; since: number } | null): Promise<boolean> {
    const result = await this.db
      .updateTable('discord_credentials')
      .set({ quarantine_reason: quarantine?.reason ?? null, quarantined_at: quarantine?.since ?? null })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteAll(): Promise<void> {
    await this.db.deleteFrom('discord_credentials').execute();
  }
}
