import { sql, type Kysely, type Migration } from 'kysely';
import type { DbDialect } from '../database.js';

/**
 * The metadata journal (docs/storage-format.md, "Metadata journal"): an outbox that every change to a
 * journaled table writes into in its own transaction, and the one row that says how far the journal
 * and the checkpoints on Discord have got. The triggers that fill the outbox are installed at start
 * (`db/journal-capture.ts`), from the tables' columns as they are then.
 *
 * On SQLite the outbox's AUTOINCREMENT rowid is the sequence: one writer at a time, so rowids are
 * handed out in commit order. PostgreSQL commits side by side, so a row gets its sequence number at
 * commit instead, from a deferred trigger that takes the one `journal_head` row's lock: numbers are
 * then given in commit order, without gaps, and a number a reader sees is never preceded by one it
 * cannot see yet.
 */
export function metadataJournal(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        await sql`create table journal_outbox (
          seq integer primary key autoincrement,
          tbl text not null,
          op text not null,
          pk text not null,
          row text,
          at bigint not null
        )`.execute(db);
      } else {
        await db.schema
          .createTable('journal_outbox')
          .addColumn('id', 'bigserial', (c) => c.primaryKey())
          .addColumn('seq', 'bigint', (c) => c.unique())
          .addColumn('tbl', 'text', (c) => c.notNull())
          .addColumn('op', 'text', (c) => c.notNull())
          .addColumn('pk', 'text', (c) => c.notNull())
          .addColumn('row', 'text')
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await sql`create index journal_outbox_unstamped on journal_outbox (id) where seq is null`.execute(db);
        await db.schema
          .createTable('journal_head')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('last_seq', 'bigint', (c) => c.notNull())
          .execute();
        await sql`insert into journal_head (id, last_seq) values (1, 0)`.execute(db);
        await createPostgresFunctions(db);
      }
      await db.schema
        .createTable('journal_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('control_channel_id', 'text')
        // The drive's metadata key, sealed under a key derived from the master key.
        .addColumn('metadata_key', 'text')
        .addColumn('written_through', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('checkpoint_through', 'bigint')
        .addColumn('checkpoint_at', 'bigint')
        .addColumn('superblock_message_id', 'text')
        .addColumn('checkpoint_due', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('writer_token', 'text')
        .addColumn('writer_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'bigint')
        .execute();
      await sql`insert into journal_state (id) values (1)`.execute(db);
    },
  };
}

/**
 * `journal_capture(key columns…)` writes a changed row into the outbox (an upsert of the new row, a
 * delete of the old key when the key changed or the row went); `journal_stamp` numbers the
 * transaction's outbox rows at commit under the head row's lock, once per transaction.
 */
async function createPostgresFunctions(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function journal_capture() returns trigger language plpgsql as $$
    declare
      key_columns text[] := TG_ARGV;
      old_row jsonb;
      new_row jsonb;
      now_ms bigint := (extract(epoch from clock_timestamp()) * 1000)::bigint;
    begin
      if TG_OP <> 'INSERT' then old_row := to_jsonb(OLD); end if;
      if TG_OP <> 'DELETE' then new_row := to_jsonb(NEW); end if;
      if TG_OP = 'UPDATE' and old_row = new_row then return null; end if;
      if TG_OP = 'DELETE' or (TG_OP = 'UPDATE' and exists (
        select 1 from unnest(key_columns) k where old_row -> k is distinct from new_row -> k
      )) then
        insert into journal_outbox (tbl, op, pk, row, at) values (
          TG_TABLE_NAME, 'delete',
          (select jsonb_object_agg(k, old_row -> k) from unnest(key_columns) k)::text, null, now_ms);
      end if;
      if TG_OP <> 'DELETE' then
        insert into journal_outbox (tbl, op, pk, row, at) values (
          TG_TABLE_NAME, 'upsert',
          (select jsonb_object_agg(k, new_row -> k) from unnest(key_columns) k)::text, new_row::text, now_ms);
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create function journal_stamp() returns trigger language plpgsql as $$
    declare
      unstamped bigint;
      base bigint;
    begin
      if current_setting('idrive.journal_stamped', true) = pg_current_xact_id()::text then
        return null;
      end if;
      perform set_config('idrive.journal_stamped', pg_current_xact_id()::text, true);
      select count(*) into unstamped from journal_outbox where seq is null;
      if unstamped = 0 then return null; end if;
      update journal_head set last_seq = last_seq + unstamped where id = 1
        returning last_seq - unstamped into base;
      update journal_outbox o set seq = base + r.n
        from (select id, row_number() over (order by id) as n from journal_outbox where seq is null) r
        where o.id = r.id;
      return null;
    end $$`.execute(db);
  await sql`
    create constraint trigger journal_stamp after insert on journal_outbox
      deferrable initially deferred for each row execute function journal_stamp()`.execute(db);
}
