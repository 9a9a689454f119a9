import type { Db, Tx } from '../db/database.js';
import type { DevicePairingRow } from '../db/schema.js';

type SecretColumn = 'code_hash' | 'short_code_hash' | 'device_secret_hash';

/**
 * Device sign-ins. Every change of status is one conditional update, so of two instances approving,
 * denying or redeeming the same pairing at once exactly one wins.
 */
export class DevicePairingRepository {
  constructor(private readonly db: Db | Tx) {}

  async insert(row: DevicePairingRow): Promise<void> {
    await this.db.insertInto('device_pairings').values(row).execute();
  }

  findBy(column: SecretColumn, hash: string): Promise<DevicePairingRow | undefined> {
    return this.db.selectFrom('device_pairings').selectAll().where(column, '=', hash).executeTakeFirst();
  }

  /** Records the decision on a pairing still pending and unexpired at `now`; false when it was not. */
  async decide(
    id: string,
    decision: { status: 'approved' | 'denied'; userId: string; expiresAt: number },
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('device_pairings')
      .set({ status: decision.status, user_id: decision.userId, expires_at: decision.expiresAt })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Marks an approved, unexpired pairing used; false when it was not (already used, or expired). */
  async redeem(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('device_pairings')
      .set({ status: 'redeemed' })
      .where('id', '=', id)
      .where('status', '=', 'approved')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteExpired(now: number): Promise<void> {
    await this.db.deleteFrom('device_pairings').where('expires_at', '<', now).execute();
  }
}
