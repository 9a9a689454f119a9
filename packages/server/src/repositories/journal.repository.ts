import { sql, type Selectable, type Updateable } from 'kysely';
import type { Db, DbDialect, Tx } from '../db/database.js';
import type { JournalOutboxTable, JournalStateTable } from '../db/schema.js';

export type JournalState = Selectable<JournalStateTable>;
/** A committed change waiting in the outbox: its key and row are JSON text, as the trigger wrote them. */
export type OutboxRecord = Pick<Selectable<JournalOutboxTable>, 'seq' | 'tbl' | 'op' | 'pk' | 'row' | 'at'>;

/**
 * The journal's outbox and state row. The state row's writer lease decides which instance writes
 * the journal; every change it makes to the state names its lease token, so an instance that lost
 * the lease changes nothing.
 */
export class JournalRepository {
  constructor(
    private readonly db: Db | Tx,
    private readonly dialect: DbDialect,
  ) {}

  state(): Promise<JournalState> {
    return this.db.selectFrom('journal_state').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  }

  /** The last sequence number committed (0 before the first change). */
  async head(): Promise<number> {
    if (this.dialect === 'postgres') {
      const row = await this.db.selectFrom('journal_head').select('last_seq').executeTakeFirstOrThrow();
      return Number(row.last_seq);
    }
    const { rows } = await sql<{ seq: number }>`
      select seq from sqlite_sequence where name = 'journal_outbox'`.execute(this.db);
    return Number(rows[0]?.seq ?? 0);
  }

  /** Makes the next sequence number `seq + 1` (a restored drive goes on after what Discord holds). */
  async setHead(seq: number): Promise<void> {
    if (this.dialect === 'postgres') {
      await this.db.updateTable('journal_head').set({ last_seq: seq }).where('id', '=', 1).execute();
      return;
    }
    // sqlite_sequence holds a row for the table once a row was inserted; before that, none.
    await sql`delete from sqlite_sequence where name = 'journal_outbox'`.execute(this.db);
    await sql`insert into sqlite_sequence (name, seq) values ('journal_outbox', ${seq})`.execute(this.db);
  }

  /** Committed records after `after`, in order, at most `limit`. */
  outboxAfter(after: number, limit: number): Promise<OutboxRecord[]> {
    return this.db
      .selectFrom('journal_outbox')
      .select(['seq', 'tbl', 'op', 'pk', 'row', 'at'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute()
      .then((rows) => rows.map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at) })));
  }

  async pruneThrough(seq: number): Promise<void> {
    await this.db.deleteFrom('journal_outbox').where('seq', '<=', seq).execute();
  }

  /** Takes the writer lease, or renews it; false while another instance holds it. */
  async claim(token: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('journal_state')
      .set({ writer_token: token, writer_until: now + leaseMs })
      .where('id', '=', 1)
      .where((eb) => eb.or([eb('writer_until', '<', now), eb('writer_token', '=', token)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async release(token: string): Promise<void> {
    await this.db
      .updateTable('journal_state')
      .set({ writer_until: 0 })
      .where('id', '=', 1)
      .where('writer_token', '=', token)
      .execute();
  }

  /** Changes the state as the holder of lease `token`; false when it is no longer the holder. */
  async update(token: string, changes: Updateable<JournalStateTable>): Promise<boolean> {
    const result = await this.db
      .updateTable('journal_state')
      .set(changes)
      .where('id', '=', 1)
      .where('writer_token', '=', token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Sets the state whatever the lease (a restore, before any writer runs). */
  async reset(changes: Updateable<JournalStateTable>): Promise<void> {
    await this.db.updateTable('journal_state').set(changes).where('id', '=', 1).execute();
  }

  /**
   * Records that the journal on Discord holds everything through `through` (it held `from`), and
   * drops those records from the outbox, in one transaction; false when the lease was lost.
   */
  async markWritten(token: string, from: number, through: number): Promise<boolean> {
    const result = await this.db
      .updateTable('journal_state')
      .set({ written_through: through, last_error: null, last_error_at: null })
      .where('id', '=', 1)
      .where('writer_token', '=', token)
      .where('written_through', '=', from)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await this.pruneThrough(through);
    return true;
  }
}
