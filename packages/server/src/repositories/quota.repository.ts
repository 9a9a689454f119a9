import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';

/**
 * What counts against quotas besides `users.used_bytes`: the bytes uploads in progress hold
 * (`quota_reservations`, one row per uncommitted version), and the sums a user's usage is told by.
 */
export class QuotaRepository {
  constructor(private readonly db: Db | Tx) {}

  /** Adds `bytes` to what the version holds against the owner's quota (its row is made the first time). */
  async reserve(versionId: string, ownerId: string, bytes: number): Promise<void> {
    await this.db
      .insertInto('quota_reservations')
      .values({ version_id: versionId, owner_id: ownerId, bytes })
      .onConflict((oc) =>
        oc.column('version_id').doUpdateSet({ bytes: sql`quota_reservations.bytes + ${bytes}` }),
      )
      .execute();
  }

  /** Many versions' reservations at once (a pack of small files), each made for the first time. */
  async reserveMany(rows: { version_id: string; owner_id: string; bytes: number }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 300) {
      await this.db
        .insertInto('quota_reservations')
        .values(rows.slice(i, i + 300))
        .execute();
    }
  }

  /** Ends the version's reservation; returns the bytes it held (0 when it had none). */
  async release(versionId: string): Promise<number> {
    const row = await this.db
      .deleteFrom('quota_reservations')
      .where('version_id', '=', versionId)
      .returning('bytes')
      .executeTakeFirst();
    return row?.bytes ?? 0;
  }

  /** Bytes the version holds now (0 when it has no reservation). */
  async heldBy(versionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('quota_reservations')
      .select('bytes')
      .where('version_id', '=', versionId)
      .executeTakeFirst();
    return row?.bytes ?? 0;
  }

  /** Bytes the owner's uploads in progress hold. */
  async reservedFor(ownerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('quota_reservations')
      .select((eb) => eb.fn.sum<number | string | null>('bytes').as('bytes'))
      .where('owner_id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return Number(row.bytes ?? 0);
  }

  /** The current content of the owner's files in the trash. */
  async trashedFileBytes(ownerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('items')
      .select((eb) => eb.fn.sum<number | string | null>('size').as('bytes'))
      .where('owner_id', '=', ownerId)
      .where('type', '=', 'file')
      .where('trashed_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.bytes ?? 0);
  }

  /** The earlier versions kept in the histories of the owner's files, each history entry once. */
  async historyBytes(ownerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('version_history')
      .innerJoin('items', 'items.id', 'version_history.item_id')
      .innerJoin('file_versions', 'file_versions.id', 'version_history.version_id')
      .select((eb) => eb.fn.sum<number | string | null>('file_versions.size').as('bytes'))
      .where('items.owner_id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return Number(row.bytes ?? 0);
  }
}
