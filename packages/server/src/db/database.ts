import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import { createRequire } from 'node:module';
import type Pg from 'pg';
import { ensurePrivateFile, PRIVATE_DIR_MODE, tightenFile } from '../storage/private-files.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
export type DbDialect = 'sqlite' | 'postgres';

export interface DbHandle {
  db: Db;
  dialect: DbDialect;
  /**
   * Runs `fn` (a transaction) so that its commit survives a power cut, not only a process crash.
   * See openDatabase for why SQLite needs this.
   */
  durably<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` over one consistent, read-only view of the database that does not hold up writers:
   * PostgreSQL's repeatable read, or on SQLite a read transaction on a connection of its own (WAL
   * readers never block the writer). A checkpoint reads the whole drive this way. An in-memory
   * SQLite database (tests) is read on its one connection as it goes (see sqliteSnapshot).
   */
  snapshot<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** The PostgreSQL schema the tables live in, when not the default one. */
  pgSchema?: string;
}

export interface DbOptions {
  /** postgres:// URL, or a SQLite file path (`:memory:` for tests). */
  url: string;
  /** PostgreSQL schema to use (tests give each run its own). */
  pgSchema?: string;
}

// pg returns BIGINT (int8) as strings to protect values over 2^53; our sizes and times stay far below.
const INT8_OID = 20;

/** pg and its parsers cost ~15 MB of memory: a drive on SQLite never loads them. */
function loadPg(): typeof Pg {
  return createRequire(import.meta.url)('pg') as typeof Pg;
}

/** Opens the database: PostgreSQL for a postgres:// URL, SQLite for a path. */
export function openDatabase(options: DbOptions): DbHandle {
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    const pg = loadPg();
    const getTypeParser = ((oid: number, format?: string) =>
      oid === INT8_OID
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser;
    const pool = new pg.Pool({
      connectionString: options.url,
      types: { getTypeParser },
      max: 10,
      ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // PostgreSQL flushes every commit to its WAL (synchronous_commit on); nothing to add.
    return {
      db,
      dialect: 'postgres',
      durably: (fn) => fn(),
      snapshot: (fn) =>
        db
          .transaction()
          .setIsolationLevel('repeatable read')
          .setAccessMode('read only')
          .execute((tx) => fn(tx)),
      ...(options.pgSchema ? { pgSchema: options.pgSchema } : {}),
    };
  }
  if (options.url !== ':memory:') {
    mkdirSync(path.dirname(options.url), { recursive: true, mode: PRIVATE_DIR_MODE });
    // SQLite gives its -wal and -shm files the database file's mode, so a 0600 database keeps all three
    // private; existing ones from an older version are tightened too.
    ensurePrivateFile(options.url);
    for (const suffix of ['-wal', '-shm']) tightenFile(options.url + suffix);
  }
  const sqlite = new SqliteDatabase(options.url);
  sqlite.pragma('journal_mode = WAL');
  // In WAL mode, NORMAL loses nothing when the process dies, but a power cut may roll back the last
  // commits; FULL fsyncs every commit. better-sqlite3 runs on the event loop, so an fsync per chunk
  // record would stall every request: chunk bookkeeping runs at NORMAL, and each user-visible
  // transaction switches to FULL for its commit (which also makes all earlier WAL frames durable).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  let durableDepth = 0;
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    snapshot: (fn) => sqliteSnapshot(options.url, db, fn),
    async durably(fn) {
      // Overlapping durable transactions share one switch; NORMAL returns when the last one ends.
      if (durableDepth++ === 0) sqlite.pragma('synchronous = FULL');
      try {
        return await fn();
      } finally {
        if (--durableDepth === 0) sqlite.pragma('synchronous = NORMAL');
      }
    },
  };
}

/**
 * A read transaction on a read-only connection of its own, so the drive's one connection goes on
 * writing meanwhile. An in-memory database (tests) has no second connection, and its own cannot hold
 * a transaction open for the reader (a durable commit changes a pragma on it): it is read as it goes,
 * which a checkpoint allows for, since it reads the journal's number first and the records after
 * that number replace whatever rows changed while it read.
 */
async function sqliteSnapshot<T>(url: string, main: Db, fn: (db: Db) => Promise<T>): Promise<T> {
  if (url === ':memory:') return fn(main);
  const reader = new SqliteDatabase(url, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reader }) });
  try {
    return await db.transaction().execute((tx) => fn(tx));
  } finally {
    await db.destroy();
  }
}
