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

  async deleteAll(): Promise<void> {
    await this.db.deleteFrom('discord_credentials').execute();
  }
}
